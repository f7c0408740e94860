import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNMODELLED_X2APIC_MSRS } from '../../machines/apic.js';
import { kernelTraceArbitrary } from '../../src/kvm/kernelTraces.js';
import { traceCategories, x2apicRegister } from '../../src/kvm/reach.js';
import { findReferenceError } from '../../src/model/trace.js';

/** Every category the trace format admits for a differential run, by op: what the reach table must show. */
function formatCategories(): string[] {
  const flags = Array.from({ length: 16 }, (_, f) => `KVM_ENABLE_CAP: X2APIC_API flags 0x${f.toString(16)}`);
  const registers = (op: 'guest.rdmsr' | 'guest.wrmsr', access: 'read' | 'write') => {
    const names = new Set<string>();
    for (let msr = 0x800; msr <= 0x8ff; msr++)
      if (UNMODELLED_X2APIC_MSRS.get(msr)?.[access] !== true) names.add(`${op}: ${x2apicRegister(msr)}`);
    return [...names];
  };
  return [
    'KVM_CHECK_EXTENSION: system fd',
    'KVM_CHECK_EXTENSION: vm fd',
    'KVM_CREATE_IRQCHIP',
    ...flags,
    'KVM_ENABLE_CAP: X2APIC_API flags above 0xf',
    'KVM_ENABLE_CAP: SPLIT_IRQCHIP 0 pins',
    'KVM_ENABLE_CAP: SPLIT_IRQCHIP 1-23 pins',
    'KVM_ENABLE_CAP: SPLIT_IRQCHIP 24 pins',
    'KVM_ENABLE_CAP: SPLIT_IRQCHIP over 24 pins',
    'KVM_SET_CPUID2: x2APIC',
    'KVM_SET_CPUID2: no x2APIC',
    ...['irr', 'isr', 'tmr'].map((set) => `KVM_SET_LAPIC: ${set} set`),
    ...['LVR', 'SPIV', 'ISR', 'TMR', 'IRR'].map((reg) => `KVM_GET_LAPIC: ${reg}`),
    ...registers('guest.rdmsr', 'read'),
    ...registers('guest.wrmsr', 'write'),
    'guest.wrmsr: bits 63:32 set',
    ...[
      'legacy pin (0-15)',
      'pin 16-23',
      'dest a vCPU',
      'dest 0xff',
      'dest no vCPU',
      'edge',
      'level',
      'masked',
      'unmasked',
    ].map((label) => `guest.ioapicWriteRte: ${label}`),
    ...[1, 2, 4, 8, 14, 15].map((c) => `guest.ioapicWriteRte: class 0x${c.toString(16)}`),
    'guest.ioapicEoi: class 0x4',
    'guest.init: the BSP',
    ...['legacy pin (0-15)', 'pin 16-23'].flatMap((pin) =>
      [0, 1].map((l) => `device.setLine: ${pin} to ${l}`),
    ),
    'guest.eoi',
    'guest.acceptInterrupt',
    'clock.advance',
    ...[1, 2, 3].map((n) => `config: ${n} vCPU(s)`),
  ];
}

describe('kernelTraceArbitrary (seed 43): the differential fuzzer draws from the whole trace format', () => {
  it('makes valid traces of commands the runner can issue, on the profile asked for, within 1-3 vCPUs and 24 pins', () => {
    fc.assert(
      fc.property(kernelTraceArbitrary('upstream', 20), (trace) => {
        expect(trace.profile.kernel).toBe('upstream');
        expect(trace.config.vcpus).toBeGreaterThanOrEqual(1);
        expect(trace.config.vcpus).toBeLessThanOrEqual(3);
        expect(trace.config.pins).toBeLessThanOrEqual(24);
        expect(findReferenceError(trace.commands, trace.config)).toBeUndefined();
        expect(trace.commands.some((c) => c.op === 'guest.init' && c.vcpu !== 0)).toBe(false);
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
