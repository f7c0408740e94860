import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/model/command.js';
import { runCommands } from '../helpers.js';

const profile = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };
const boot: Command[] = [
  { op: 'KVM_CREATE_VCPU', id: 0 },
  { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
  { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x1ffn },
];
const level = (pin: number): Command => ({
  op: 'guest.ioapicWriteRte',
  pin,
  vector: 64 + pin,
  trigger: 'level',
  masked: false,
  dest: 0,
});
const enter: Command = { op: 'guest.rdmsr', vcpu: 0, msr: 0x803 };

describe('requestScans and scanOnEntry', () => {
  it('without an irqchip, ask nobody: KVM has no I/O APIC to scan', () => {
    const { state } = runCommands(
      profile,
      [
        { op: 'KVM_CREATE_VCPU', id: 0 },
        { op: 'KVM_CREATE_VCPU', id: 1 },
      ],
      {
        vcpus: 2,
        pins: 24,
      },
    );
    expect(state.lapics.map((lapic) => lapic?.context.scanRequested)).toEqual([false, false]);
  });

  it('in split mode, scan only the GSIs below nr_reserved_ioapic_pins into the EOI-exit bitmap', () => {
    const split: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [5] };
    const { state } = runCommands(profile, [split, ...boot, level(4), level(5), enter]);
    expect(state.lapics[0]?.context.eoiExit).toEqual([68]);
  });

  it("with KVM's I/O APIC, scan every level entry aimed at the vCPU", () => {
    const { state } = runCommands(profile, [
      { op: 'KVM_CREATE_IRQCHIP' },
      ...boot,
      level(4),
      level(5),
      enter,
    ]);
    expect(state.lapics[0]?.context.eoiExit).toEqual([68, 69]);
  });
});
