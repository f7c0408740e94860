import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/model/command.js';
import { ioapicWriter } from '../../src/model/vcpuEntry.js';
import { runCommands } from '../helpers.js';

const profile = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };
const config = { vcpus: 3, pins: 24 };
const create = (id: number): Command => ({ op: 'KVM_CREATE_VCPU', id });
const cpuid = (vcpu: number): Command => ({ op: 'KVM_SET_CPUID2', vcpu, x2apic: true });
const run = (vcpu: number): Command => ({ op: 'guest.rdmsr', vcpu, msr: 0x803 });
const writerAfter = (commands: Command[]) => ioapicWriter(runCommands(profile, commands, config).state);

describe('ioapicWriter', () => {
  it("with KVM's I/O APIC: the lowest vCPU that has run, else the lowest that exists", () => {
    const kernel: Command = { op: 'KVM_CREATE_IRQCHIP' };
    expect(writerAfter([kernel])).toBeUndefined();
    expect(writerAfter([kernel, create(2), create(1)])).toBe(1);
    expect(writerAfter([kernel, create(0)])).toBe(0);
    expect(writerAfter([kernel, create(2), create(1), cpuid(2), run(2)])).toBe(2);
    expect(writerAfter([kernel, create(0), create(2), cpuid(2), run(2), cpuid(0), run(0)])).toBe(0);
  });

  it("with the VMM's I/O APIC: the lowest vCPU that has run, else none (the write goes to the VMM)", () => {
    const split: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] };
    expect(writerAfter([split, create(0), create(1)])).toBeUndefined();
    expect(writerAfter([split, create(0), create(1), cpuid(1), run(1)])).toBe(1);
    expect(writerAfter([create(0), cpuid(0), run(0)])).toBe(0);
  });
});

describe('enterGuest', () => {
  const split: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] };
  const scanRequested = (commands: Command[]) =>
    runCommands(profile, commands, config).state.lapics.map((lapic) => lapic?.context.scanRequested ?? null);

  it("acts on the vCPU's pending rescan, and a first entry in x2APIC mode asks every vCPU to rescan", () => {
    const booted = [split, create(0), create(1), cpuid(0), cpuid(1), run(1)];
    expect(scanRequested(booted)).toEqual([true, false, null]);
    expect(scanRequested([...booted, run(1)])).toEqual([true, false, null]);
    expect(scanRequested([...booted, run(0)])).toEqual([false, true, null]);
  });

  it('a first entry without x2APIC in CPUID asks nobody', () => {
    const xapic: Command = { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: false };
    const entered = [
      split,
      create(0),
      create(1),
      xapic,
      cpuid(1),
      run(1),
      { op: 'guest.acceptInterrupt', vcpu: 0 } as Command,
    ];
    expect(scanRequested(entered)).toEqual([false, false, null]);
  });
});
