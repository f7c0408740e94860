import { describe, expect, it } from 'vitest';
import type { Command } from '../../../src/model/command.js';
import { canBoot, serviceDevice, spivFor } from '../../../src/model/guests/habits.js';
import { bootedSplit, levelPin5, runCommands } from '../../helpers.js';

const adversarial = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };

describe('guest habits', () => {
  it('boots only on a vCPU with an in-kernel LAPIC and x2APIC in CPUID', () => {
    const cpuid = (x2apic: boolean): Command => ({ op: 'KVM_SET_CPUID2', vcpu: 0, x2apic });
    const split: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] };
    const create: Command = { op: 'KVM_CREATE_VCPU', id: 0 };
    expect(canBoot(runCommands(adversarial, [split, create, cpuid(true)]).state, 0)).toBe(true);
    expect(canBoot(runCommands(adversarial, [split, create, cpuid(false)]).state, 0)).toBe(false);
    expect(canBoot(runCommands(adversarial, [create, cpuid(true)]).state, 0)).toBe(false);
    expect(canBoot(runCommands(adversarial, [split]).state, 0)).toBe(false);
  });

  it('writes SPIV with the APIC enabled, spurious vector 0xff, and bit 12 only when directed', () => {
    expect([spivFor(false), spivFor(true)]).toEqual([0x1ff, 0x11ff]);
  });

  it("services the device behind the vector it handles, not another pin's", () => {
    const pin7: Command = { ...levelPin5, pin: 7, vector: 80 };
    const state = runCommands(adversarial, [
      ...bootedSplit(undefined),
      pin7,
      levelPin5,
      { op: 'device.setLine', pin: 7, level: 1 },
      { op: 'device.setLine', pin: 5, level: 1 },
    ]).state;
    const phase = { phase: 'idle', directed: false } as const;
    expect(serviceDevice(state, 64, phase)?.command).toEqual({ op: 'device.setLine', pin: 5, level: 0 });
    expect(serviceDevice(state, 80, phase)?.command).toEqual({ op: 'device.setLine', pin: 7, level: 0 });
    expect(serviceDevice(state, 96, phase)).toBeNull();
  });
});
