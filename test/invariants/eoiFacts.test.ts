import { describe, expect, it } from 'vitest';
import {
  deliverable,
  lapicEoiOf,
  levelPinsFor,
  pendingAnywhere,
  strandedPins,
} from '../../src/invariants/eoiFacts.js';
import type { Command } from '../../src/model/command.js';
import { execute } from '../../src/model/step.js';
import { bootedSplit, levelPin5, runCommands } from '../helpers.js';

const upstream = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };
const line = (level: 0 | 1): Command => ({ op: 'device.setLine', pin: 5, level });
const accept: Command = { op: 'guest.acceptInterrupt', vcpu: 0 };
const eoi: Command = { op: 'guest.eoi', vcpu: 0 };

function stateAfter(commands: Command[]) {
  return runCommands(upstream, commands).state;
}

describe('lapicEoiOf', () => {
  it('describes a guest EOI of a level vector routed to the vCPU, directed or not', () => {
    for (const spiv of [0x1ff, 0x11ff]) {
      const before = stateAfter([...bootedSplit(4, spiv), levelPin5, line(1), accept]);
      expect(lapicEoiOf(execute(before, eoi))).toEqual({
        vcpu: 0,
        vector: 64,
        directed: spiv === 0x11ff,
        level: true,
        routed: true,
      });
      const wrmsrEoi: Command = { op: 'guest.wrmsr', vcpu: 0, msr: 0x80b, value: 0n };
      expect(lapicEoiOf(execute(before, wrmsrEoi))?.vector).toBe(64);
    }
  });

  it('sees an edge vector and a vector routed elsewhere as such', () => {
    const edge = stateAfter([...bootedSplit(4), { ...levelPin5, trigger: 'edge' }, line(1), accept]);
    expect(lapicEoiOf(execute(edge, eoi))).toMatchObject({ level: false, routed: false });
    const moved = stateAfter([...bootedSplit(4), levelPin5, line(1), accept, { ...levelPin5, dest: 1 }]);
    expect(lapicEoiOf(execute(moved, eoi))).toMatchObject({ level: true, routed: false });
  });

  it('is undefined for anything but an EOI that ends a vector', () => {
    const idle = stateAfter(bootedSplit(4));
    expect(lapicEoiOf(execute(idle, eoi))).toBeUndefined();
    const busy = stateAfter([...bootedSplit(4), levelPin5, line(1), accept]);
    expect(
      lapicEoiOf(execute(busy, { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x1ffn })),
    ).toBeUndefined();
    expect(
      lapicEoiOf(execute(busy, { op: 'guest.wrmsr', vcpu: 0, msr: 0x80b, value: 1n << 32n })),
    ).toBeUndefined();
    const noIrqchip = runCommands(upstream, [{ op: 'KVM_CREATE_VCPU', id: 0 }]).state;
    expect(lapicEoiOf(execute(noIrqchip, eoi))).toBeUndefined();
  });
});

describe('pin and LAPIC facts', () => {
  it('finds level pins by vector, and whether the vector can still be EOId', () => {
    const pending = stateAfter([
      ...bootedSplit(4),
      levelPin5,
      { ...levelPin5, pin: 7, trigger: 'edge' },
      line(1),
    ]);
    expect(levelPinsFor(pending, 64)).toEqual([5]);
    expect(levelPinsFor(pending, 80)).toEqual([]);
    expect(pendingAnywhere(pending, 64)).toBe(true);
    const inService = stateAfter([...bootedSplit(4), levelPin5, line(1), accept]);
    expect(pendingAnywhere(inService, 64)).toBe(true);
    expect(
      pendingAnywhere(stateAfter([...bootedSplit(4), levelPin5, line(1), accept, line(0), eoi]), 64),
    ).toBe(false);
  });

  it('calls a pin deliverable only towards an existing, software-enabled LAPIC', () => {
    expect(deliverable(stateAfter([...bootedSplit(4), levelPin5]), 5)).toBe(true);
    expect(deliverable(stateAfter([...bootedSplit(4).slice(0, -1), levelPin5]), 5)).toBe(false);
    expect(deliverable(stateAfter([...bootedSplit(4), { ...levelPin5, dest: 3 }]), 5)).toBe(false);
    expect(deliverable(stateAfter(bootedSplit(4)), 99)).toBe(false);
  });

  it('looks at every vCPU: a vector pending on vCPU 1 only, a pin that does not exist beside an enabled vCPU 1', () => {
    const twoVcpus: Command[] = [...bootedSplit(undefined, 0x1ff, 2), { ...levelPin5, dest: 1 }, line(1)];
    const state = runCommands(upstream, twoVcpus, { vcpus: 2, pins: 24 }).state;
    expect(pendingAnywhere(state, 64)).toBe(true);
    expect(deliverable(state, 5)).toBe(true);
    expect(deliverable(state, 99)).toBe(false);
  });

  it('strands a pin whose Remote IRR no pending vector can clear', () => {
    const stuck = runCommands({ ...upstream, vmm: 'ioapic-0x11' }, [
      ...bootedSplit(4, 0x11ff),
      levelPin5,
      line(1),
      accept,
      eoi,
    ]).state;
    expect(strandedPins(stuck, 64)).toEqual([5]);
    const inFlight = runCommands({ ...upstream, vmm: 'ioapic-0x11' }, [
      ...bootedSplit(4, 0x11ff),
      levelPin5,
      line(1),
    ]).state;
    expect(strandedPins(inFlight, 64)).toEqual([]);
    const cleared = stateAfter([
      ...bootedSplit(4, 0x11ff),
      levelPin5,
      line(1),
      accept,
      eoi,
      line(0),
      { op: 'guest.ioapicEoi', vector: 64 },
    ]);
    expect(strandedPins(cleared, 64)).toEqual([]);
  });
});
