import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelTraceArbitrary } from '../../src/kvm/kernelTraces.js';
import { formatCategories, traceCategories } from '../../src/kvm/reach.js';
import { findReferenceError } from '../../src/model/trace.js';

describe('kernelTraceArbitrary (seed 43): the differential fuzzer draws from the whole trace format', () => {
  it('makes valid traces of commands the runner can issue, on the profile asked for, within 1-3 vCPUs and 24 pins', () => {
    fc.assert(
      fc.property(kernelTraceArbitrary('upstream', 20), (trace) => {
        expect(trace.profile.kernel).toBe('upstream');
        expect(trace.config.vcpus).toBeGreaterThanOrEqual(1);
        expect(trace.config.vcpus).toBeLessThanOrEqual(3);
        expect(trace.config.pins).toBeLessThanOrEqual(24);
        expect(findReferenceError(trace.commands, trace.config)).toBeUndefined();
      }),
      { seed: 43, numRuns: 300 },
    );
  });

  it('reaches every category of the format within a few hundred traces', () => {
    const drawn = new Set(
      fc
        .sample(kernelTraceArbitrary('legacy', 20), { seed: 43, numRuns: 800 })
        .flatMap((trace) => [...traceCategories(trace.commands, trace.config)]),
    );
    expect(formatCategories().filter((category) => !drawn.has(category))).toEqual([]);
  });

  it('with ioctlsOnly, draws every ioctl the runner issues and nothing else, setup included', () => {
    const traces = fc.sample(kernelTraceArbitrary('upstream', 20, true), { seed: 43, numRuns: 200 });
    const ops = new Set(traces.flatMap((trace) => trace.commands.map((c) => c.op)));
    expect([...ops].sort()).toEqual([
      'KVM_CHECK_EXTENSION',
      'KVM_CREATE_IRQCHIP',
      'KVM_CREATE_VCPU',
      'KVM_ENABLE_CAP',
      'KVM_GET_LAPIC',
      'KVM_SET_CPUID2',
      'KVM_SET_LAPIC',
    ]);
    for (const trace of traces) expect(findReferenceError(trace.commands, trace.config)).toBeUndefined();
  });
});
