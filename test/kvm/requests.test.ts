import { describe, expect, it } from 'vitest';
import { requestFor } from '../../src/kvm/requests.js';
import type { Command } from '../../src/model/command.js';

describe('requestFor', () => {
  it.each([
    [{ op: 'KVM_CHECK_EXTENSION', fd: 'vm', cap: 'KVM_CAP_X2APIC_API' }, 'check_extension vm'],
    [{ op: 'KVM_CREATE_IRQCHIP' }, 'create_irqchip'],
    [{ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] }, 'enable_cap split 24'],
    [{ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [12] }, 'enable_cap x2apic 12'],
    [{ op: 'KVM_CREATE_VCPU', id: 1 }, 'create_vcpu 1'],
    [{ op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: false }, 'set_cpuid 0 0'],
    [{ op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x30 }, 'get_lapic 0 48'],
    [
      { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [64, 80], isr: [], tmr: [64] },
      'set_lapic 0 4607 64,80 - 64',
    ],
  ] as [Command, string][])('%j -> %s', (command, request) => {
    expect(requestFor(command)).toBe(request);
  });

  it('has no request for what needs the guest or the device', () => {
    expect(requestFor({ op: 'guest.eoi', vcpu: 0 })).toBeUndefined();
    expect(requestFor({ op: 'device.setLine', pin: 0, level: 1 })).toBeUndefined();
  });
});
