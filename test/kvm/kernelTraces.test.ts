import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIFF_CONFIG, kernelTraceArbitrary } from '../../src/kvm/kernelTraces.js';
import { findReferenceError } from '../../src/model/trace.js';

/** The booted-VM prefix at most: irqchip, flag, and per vCPU creation, CPUID and SPIV. */
const BOOTED_VM_COMMANDS = 2 + 3 * DIFF_CONFIG.vcpus;

describe('kernelTraceArbitrary (seed 43)', () => {
  it('makes valid traces of commands the runner can issue, on the profile asked for', () => {
    fc.assert(
      fc.property(kernelTraceArbitrary('upstream', 20), (trace) => {
        expect(trace.profile.kernel).toBe('upstream');
        expect(trace.config).toEqual(DIFF_CONFIG);
        expect(trace.commands.length).toBeLessThanOrEqual(20 + BOOTED_VM_COMMANDS);
        expect(findReferenceError(trace.commands, trace.config)).toBeUndefined();
        expect(trace.commands.some((c) => c.op === 'guest.init' && c.vcpu !== 0)).toBe(false);
      }),
      { seed: 43, numRuns: 300 },
    );
  });

  it('reaches vCPU commands, both CHECK_EXTENSION fds, both capabilities, the guest and the device', () => {
    const ops = new Set(
      fc
        .sample(kernelTraceArbitrary('legacy', 20), { seed: 43, numRuns: 200 })
        .flatMap((trace) =>
          trace.commands.map((c) => ('fd' in c ? `${c.op}:${c.fd}` : 'cap' in c ? `${c.op}:${c.cap}` : c.op)),
        ),
    );
    for (const op of [
      'KVM_CHECK_EXTENSION:system',
      'KVM_CHECK_EXTENSION:vm',
      'KVM_ENABLE_CAP:KVM_CAP_SPLIT_IRQCHIP',
      'KVM_ENABLE_CAP:KVM_CAP_X2APIC_API',
      'KVM_CREATE_IRQCHIP',
      'KVM_SET_CPUID2',
      'KVM_SET_LAPIC',
      'KVM_GET_LAPIC',
      'guest.wrmsr',
      'guest.rdmsr',
      'guest.eoi',
      'guest.acceptInterrupt',
      'guest.ioapicWriteRte',
      'guest.ioapicEoi',
      'device.setLine',
    ]) {
      expect(ops).toContain(op);
    }
  });

  it('with ioctlsOnly, draws every ioctl the runner issues and nothing else, setup included', () => {
    const traces = fc.sample(kernelTraceArbitrary('upstream', 20, DIFF_CONFIG, true), {
      seed: 43,
      numRuns: 200,
    });
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
