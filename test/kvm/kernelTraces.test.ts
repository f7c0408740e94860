import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIFF_CONFIG, ioctlTraceArbitrary } from '../../src/kvm/ioctlTraces.js';
import { requestFor } from '../../src/kvm/requests.js';
import { findReferenceError } from '../../src/model/trace.js';

describe('ioctlTraceArbitrary (seed 43)', () => {
  it('makes valid traces of ioctls the runner can issue, on the profile asked for', () => {
    fc.assert(
      fc.property(ioctlTraceArbitrary('upstream', 20), (trace) => {
        expect(trace.profile.kernel).toBe('upstream');
        expect(trace.config).toEqual(DIFF_CONFIG);
        expect(trace.commands.length).toBeLessThanOrEqual(20);
        expect(findReferenceError(trace.commands, trace.config)).toBeUndefined();
        expect(trace.commands.every((command) => requestFor(command) !== undefined)).toBe(true);
      }),
      { seed: 43, numRuns: 300 },
    );
  });

  it('reaches vCPU commands, both CHECK_EXTENSION fds and both capabilities', () => {
    const ops = new Set(
      fc
        .sample(ioctlTraceArbitrary('legacy', 20), { seed: 43, numRuns: 200 })
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
    ]) {
      expect(ops).toContain(op);
    }
  });
});
