import type { Trace } from '../src/model/trace.js';

/**
 * A valid trace of `length` commands: a split irqchip, one x2APIC vCPU and a level pin, then the device, the
 * guest and the clock in turn, as a long-running VM sees them.
 */
export function longTrace(length: number): Trace {
  const setup: Trace['commands'] = [
    { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
    { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [4] },
    { op: 'KVM_CREATE_VCPU', id: 0 },
    { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
    { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x1ffn },
    { op: 'guest.ioapicWriteRte', pin: 1, vector: 64, trigger: 'level', masked: false, dest: 0 },
  ];
  const cycle: Trace['commands'] = [
    { op: 'device.setLine', pin: 1, level: 1 },
    { op: 'guest.acceptInterrupt', vcpu: 0 },
    { op: 'device.setLine', pin: 1, level: 0 },
    { op: 'guest.eoi', vcpu: 0 },
    { op: 'clock.advance', ns: 1000 },
  ];
  const commands = [...setup];
  while (commands.length < length)
    commands.push(cycle[commands.length % cycle.length] as Trace['commands'][number]);
  return {
    format: 'seoib-trace/1',
    profile: { kernel: 'upstream', vmm: 'qemu', guest: 'adversarial' },
    config: { vcpus: 1, pins: 2 },
    commands,
  };
}
