import { describe, expect, it } from 'vitest';
import { EXCUSES } from '../../src/invariants/excuses.js';
import { INVARIANTS } from '../../src/invariants/index.js';
import { excuseOf } from '../../src/invariants/invariant.js';
import type { Command } from '../../src/model/command.js';
import type { Executed } from '../../src/model/step.js';
import { executeAfter, levelPin5 } from '../helpers.js';

const split = (pins = 24): Command => ({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [pins] });
const flags = (value: number): Command => ({
  op: 'KVM_ENABLE_CAP',
  cap: 'KVM_CAP_X2APIC_API',
  args: [value],
});
const irqchip: Command = { op: 'KVM_CREATE_IRQCHIP' };
const eoi: Command = { op: 'guest.eoi', vcpu: 0 };
const createVcpu: Command = { op: 'KVM_CREATE_VCPU', id: 0 };

/** `command` executed after `setup` on a fresh VM of this kernel and VMM. */
function executed(kernel: string, vmm: string, setup: Command[], command: Command = eoi): Executed {
  return executeAfter({ kernel, vmm, guest: 'adversarial' }, [...setup, createVcpu], command);
}

/** The excuse the invariant of this id finds for a violation at `at`. */
function expectedReason(id: string, at: Executed): string | undefined {
  const invariant = INVARIANTS.find((i) => i.id === id);
  if (invariant === undefined) throw new Error(id);
  return excuseOf(invariant, at);
}

describe("each invariant's excuses", () => {
  it.each([
    ['no-storm', [split()], EXCUSES.quirk.reason],
    ['no-storm', [split(), flags(8)], EXCUSES.disabledIgnoresSpiv.reason],
    ['no-storm', [split(), flags(4)], undefined],
    ['no-storm', [irqchip], undefined],
    ['no-unmask-before-ioapic-eoi', [split()], EXCUSES.quirk.reason],
    ['no-unmask-before-ioapic-eoi', [irqchip, flags(8)], EXCUSES.disabledIgnoresSpiv.reason],
    ['no-unmask-before-ioapic-eoi', [split(), flags(4)], undefined],
    ['no-stuck-pin', [irqchip], EXCUSES.kernelIoapicDirected.reason],
    ['no-stuck-pin', [split(), flags(4)], undefined],
    ['no-stuck-pin', [split(4), levelPin5], EXCUSES.reservedPins.reason],
    ['no-stuck-pin', [split(6), levelPin5], undefined],
    ['no-stuck-pin', [split(4), { ...levelPin5, trigger: 'edge' }], undefined],
    ['no-missed-eoi-quirk', [split(5), levelPin5], EXCUSES.reservedPins.reason],
    ['no-missed-eoi-quirk', [split(), levelPin5], undefined],
    ['no-missed-eoi-quirk', [irqchip, levelPin5], undefined],
    ['no-stuck-pin', [levelPin5], undefined],
  ] as const)('%s after %j on upstream/ioapic-0x20: %s', (invariant, setup, reason) => {
    expect(expectedReason(invariant, executed('upstream', 'ioapic-0x20', [...setup]))).toBe(reason);
  });

  it('blames the stranded pin on a VMM that keeps Remote IRR across an edge switch, whatever the flag', () => {
    for (const setup of [[split()], [split(), flags(8)]])
      expect(expectedReason('no-stuck-pin', executed('upstream', 'cloud-hypervisor', setup))).toBe(
        EXCUSES.edgeSwitchKeepsRemoteIrr.reason,
      );
    expect(expectedReason('no-stuck-pin', executed('upstream', 'ioapic-0x11', [split()]))).toBeUndefined();
  });

  it('blames a storm under ENABLE on a restore that cleared SPIV bit 12 under a guest that opted in', () => {
    const profile = { kernel: 'upstream', vmm: 'qemu', guest: 'credential-guard' };
    const optedIn: Command[] = [
      split(),
      flags(4),
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
      // A second vCPU whose guest never starts: only vCPU 0 is out of step with its SPIV.
      { op: 'KVM_CREATE_VCPU', id: 1 },
    ];
    const restore: Command = { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x1ff, irr: [], isr: [], tmr: [] };
    const config = { vcpus: 2, pins: 24 };
    const rteAfter = (setup: Command[]) => executeAfter(profile, setup, levelPin5, config);
    expect(expectedReason('no-storm', rteAfter([...optedIn, restore]))).toBe(
      EXCUSES.inconsistentRestore.reason,
    );
    expect(expectedReason('no-unmask-before-ioapic-eoi', rteAfter([...optedIn, restore]))).toBe(
      EXCUSES.inconsistentRestore.reason,
    );
    expect(expectedReason('no-storm', rteAfter(optedIn))).toBeUndefined();
  });

  it('blames ENABLE only with an I/O APIC that has no EOI register', () => {
    expect(expectedReason('no-stuck-pin', executed('upstream', 'ioapic-0x11', [split(), flags(4)]))).toBe(
      EXCUSES.enableWithoutEoiRegister.reason,
    );
    expect(expectedReason('no-stuck-pin', executed('upstream', 'ioapic-0x11', [split()]))).toBeUndefined();
  });

  it.each([
    ['lvr-advertise', flags(8), EXCUSES.staleLvr.reason],
    ['lvr-advertise', { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true }, undefined],
    [
      'spiv-needs-lvr',
      { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [], isr: [], tmr: [] },
      EXCUSES.rawSpiv.reason,
    ],
    ['spiv-needs-lvr', { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true }, EXCUSES.rawSpiv.reason],
    ['spiv-needs-lvr', eoi, undefined],
  ] satisfies [string, Command, string | undefined][])('%s at %j: %s', (invariant, command, reason) => {
    expect(expectedReason(invariant, executed('upstream', 'ioapic-0x20', [split()], command))).toBe(reason);
  });

  it.each([
    ['upstream-apply-first', 'flags-exclusive', EXCUSES.applyFirstWhatIf.reason],
    ['upstream-apply-first', 'enable-needs-split', EXCUSES.applyFirstWhatIf.reason],
    ['upstream-apply-first', 'failed-ioctl-atomic', EXCUSES.applyFirstWhatIf.reason],
    ['upstream', 'flags-exclusive', undefined],
    ['upstream', 'enable-needs-split', undefined],
    ['upstream', 'failed-ioctl-atomic', undefined],
    ['upstream-vcpu-lock', 'check-extension-truthful', EXCUSES.lockedWhatIf.reason],
    ['upstream', 'check-extension-truthful', undefined],
    ['v6', 'check-extension-truthful', EXCUSES.draftAdvertises.reason],
  ])('on %s, %s: %s', (kernel, invariant, reason) => {
    expect(expectedReason(invariant, executed(kernel, 'ioapic-0x20', [split()], flags(12)))).toBe(reason);
  });
});
