import { describe, expect, it } from 'vitest';
import { EXCUSES } from '../../src/invariants/excuses.js';
import { lvrAdvertise, spivNeedsLvr } from '../../src/invariants/registerInvariants.js';
import type { Command } from '../../src/model/command.js';
import { executeAfter, runCommands, violationsOf } from '../helpers.js';

const upstream = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };
const split: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] };
const flags = (value: number): Command => ({
  op: 'KVM_ENABLE_CAP',
  cap: 'KVM_CAP_X2APIC_API',
  args: [value],
});
const vcpu = (id: number): Command[] => [
  { op: 'KVM_CREATE_VCPU', id },
  { op: 'KVM_SET_CPUID2', vcpu: id, x2apic: true },
];
const setLapic = (spiv: number): Command => ({
  op: 'KVM_SET_LAPIC',
  vcpu: 0,
  spiv,
  irr: [],
  isr: [],
  tmr: [],
});

function only(id: string, commands: Command[], vcpus = 1) {
  return violationsOf(upstream, commands, { vcpus, pins: 2 }).filter((v) => v.invariant === id);
}

describe('lvr-advertise', () => {
  it('holds when the mode is set before the vCPUs, and after KVM_SET_LAPIC recomputes LVR', () => {
    expect(only('lvr-advertise', [split, flags(8), ...vcpu(0)])).toEqual([]);
    expect(only('lvr-advertise', [split, ...vcpu(0), flags(8), setLapic(0x1ff)]).map((v) => v.index)).toEqual(
      [3],
    );
  });

  it('reports the stale LVR of a late DISABLE once, naming every vCPU it left stale', () => {
    expect(only('lvr-advertise', [split, ...vcpu(0), ...vcpu(1), flags(8), flags(8)], 2)).toEqual([
      {
        invariant: 'lvr-advertise',
        index: 5,
        reaction: null,
        detail: 'LVR bit 24 disagrees with advertise() on vCPU 0, 1',
        expected: EXCUSES.staleLvr.reason,
      },
    ]);
  });

  it('names only the vCPUs the mode change left stale: one created after DISABLE is consistent', () => {
    const found = only('lvr-advertise', [split, ...vcpu(0), flags(8), ...vcpu(1)], 2);
    expect(found.map((v) => [v.index, v.detail, v.expected])).toEqual([
      [3, 'LVR bit 24 disagrees with advertise() on vCPU 0', EXCUSES.staleLvr.reason],
    ]);
  });
});

const position = { index: 0, reaction: null };

describe('lvr-advertise against states a kernel could reach', () => {
  it('reports a vCPU created with an LVR that disagrees: no vCPU before is no disagreement', () => {
    const created = executeAfter(
      upstream,
      [split, flags(4)],
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { vcpus: 1, pins: 2 },
    );
    const lapic = created.after.lapics[0];
    if (lapic == null) throw new Error('vCPU 0 was not created');
    // x2APIC in CPUID under ENABLE, yet LVR without bit 24.
    const stale = { ...lapic, context: { ...lapic.context, x2apic: true } };
    expect(
      lvrAdvertise.check(undefined, { ...created, after: { ...created.after, lapics: [stale] } }, position),
    ).toEqual({
      monitor: undefined,
      violation: 'LVR bit 24 disagrees with advertise() on vCPU 0',
    });
  });
});

describe('spiv-needs-lvr', () => {
  it('names every vCPU that gained bit 12 without LVR bit 24, comma-separated', () => {
    const booted = [split, flags(8), ...vcpu(0), ...vcpu(1)];
    const both = [setLapic(0x11ff), { ...setLapic(0x11ff), vcpu: 1 } as Command];
    const config = { vcpus: 2, pins: 2 };
    const before = runCommands(upstream, booted, config).state;
    const after = runCommands(upstream, [...booted, ...both], config).state;
    const executed = executeAfter(upstream, booted, both[0] as Command, config);
    expect(spivNeedsLvr.check(undefined, { ...executed, before, after }, position)).toEqual({
      monitor: undefined,
      violation: 'SPIV bit 12 without LVR bit 24 on vCPU 0, 1',
    });
  });

  it('holds when the guest writes bit 12 without LVR bit 24: KVM drops it', () => {
    const guestWrite: Command = { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x11ffn };
    expect(only('spiv-needs-lvr', [split, flags(8), ...vcpu(0), guestWrite])).toEqual([]);
  });

  it('reports KVM_SET_LAPIC restoring bit 12 raw under DISABLE, once', () => {
    expect(only('spiv-needs-lvr', [split, flags(8), ...vcpu(0), setLapic(0x11ff), setLapic(0x11ff)])).toEqual(
      [
        {
          invariant: 'spiv-needs-lvr',
          index: 4,
          reaction: null,
          detail: 'SPIV bit 12 without LVR bit 24 on vCPU 0',
          expected: EXCUSES.rawSpiv.reason,
        },
      ],
    );
  });

  it('holds after a late DISABLE (LVR stays stale, so bit 12 still pairs with bit 24) and after SET_LAPIC or INIT clear it', () => {
    const guestWrite: Command = { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x11ffn };
    expect(only('spiv-needs-lvr', [split, ...vcpu(0), guestWrite, flags(8), setLapic(0x1ff)])).toEqual([]);
    const init: Command = { op: 'guest.init', vcpu: 0 };
    expect(only('spiv-needs-lvr', [split, ...vcpu(0), guestWrite, flags(8), init])).toEqual([]);
  });
});
