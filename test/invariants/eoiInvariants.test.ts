import { describe, expect, it } from 'vitest';
import {
  noMissedEoiQuirk,
  noStorm,
  noUnmaskBeforeIoapicEoi,
  STORM_BOUND,
} from '../../src/invariants/eoiInvariants.js';
import { EXCUSES } from '../../src/invariants/excuses.js';
import type { Command } from '../../src/model/command.js';
import type { Executed } from '../../src/model/step.js';
import { bootedSplit, executeAfter, levelPin5, violationsOf } from '../helpers.js';

const line = (level: 0 | 1): Command => ({ op: 'device.setLine', pin: 5, level });
const accept: Command = { op: 'guest.acceptInterrupt', vcpu: 0 };
const eoi: Command = { op: 'guest.eoi', vcpu: 0 };
const ioapicEoi: Command = { op: 'guest.ioapicEoi', vector: 64 };
const upstream = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };
/** The guest takes vector 64 from level pin 5 and EOIs its LAPIC while the line is still high. */
const takeAndEoi: Command[] = [levelPin5, line(1), accept, eoi];

function only(id: string, kernel: string, vmm: string, commands: Command[]) {
  return violationsOf({ kernel, vmm, guest: 'adversarial' }, commands).filter((v) => v.invariant === id);
}

describe('no-unmask-before-ioapic-eoi', () => {
  it('reports the quirk re-delivering a directed-EOI vector before the I/O APIC EOI', () => {
    expect(
      only('no-unmask-before-ioapic-eoi', 'legacy', 'ioapic-0x20', [
        ...bootedSplit(undefined, 0x11ff),
        ...takeAndEoi,
      ]),
    ).toEqual([
      {
        invariant: 'no-unmask-before-ioapic-eoi',
        index: 7,
        reaction: null,
        detail: "pin 5 (vector 64) unmasked before the guest's I/O APIC EOI",
        expected: EXCUSES.quirk.reason,
      },
    ]);
  });

  it('holds under ENABLE: the pin stays masked until the guest EOIs the I/O APIC, which may re-deliver', () => {
    const commands = [...bootedSplit(4, 0x11ff), ...takeAndEoi, ioapicEoi, accept, eoi, ioapicEoi];
    expect(only('no-unmask-before-ioapic-eoi', 'upstream', 'ioapic-0x20', commands)).toEqual([]);
  });

  it('holds for a guest that broadcasts (no SPIV bit 12), whose EOI may re-deliver at once', () => {
    expect(
      only('no-unmask-before-ioapic-eoi', 'legacy', 'ioapic-0x20', [
        ...bootedSplit(undefined),
        ...takeAndEoi,
      ]),
    ).toEqual([]);
  });

  it('stops watching a vector once its entry is rewritten or the I/O APIC is EOId', () => {
    const executed = (command: Command): Executed => executeAfter(upstream, [], command);
    const position = { index: 0, reaction: null };
    expect(noUnmaskBeforeIoapicEoi.check([64, 80], executed(ioapicEoi), position).monitor).toEqual([80]);
    const rewrite: Command = { ...levelPin5, vector: 80 };
    expect(noUnmaskBeforeIoapicEoi.check([48, 64, 80], executed(rewrite), position).monitor).toEqual([
      48, 64,
    ]);
  });
});

describe('no-missed-eoi-quirk', () => {
  it('holds for the quirk: one exit per level EOI', () => {
    expect(
      only('no-missed-eoi-quirk', 'upstream', 'ioapic-0x20', [...bootedSplit(undefined), ...takeAndEoi]),
    ).toEqual([]);
  });

  it('reports an EOI without its exit when the pin lies beyond the reserved pins', () => {
    const commands: Command[] = [
      { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [4] },
      ...bootedSplit(undefined).slice(1),
      ...takeAndEoi,
    ];
    expect(only('no-missed-eoi-quirk', 'upstream', 'ioapic-0x20', commands)).toEqual([
      {
        invariant: 'no-missed-eoi-quirk',
        index: 7,
        reaction: null,
        detail: 'EOI of vector 64 made exits []',
        expected: EXCUSES.reservedPins.reason,
      },
    ]);
  });
});

describe('no-missed-eoi-quirk against what a kernel could answer', () => {
  const quirkEoi = (exits: number[] | undefined): Executed => {
    const executed = executeAfter(upstream, [...bootedSplit(undefined), levelPin5, line(1), accept], eoi);
    const { exits: _, ...rest } = executed.observation;
    return { ...executed, observation: exits === undefined ? rest : { ...rest, exits } };
  };
  const position = { index: 0, reaction: null };

  it.each([
    [[64, 64], 'EOI of vector 64 made exits [64,64]'],
    [[80], 'EOI of vector 64 made exits [80]'],
    [[64, 80], 'EOI of vector 64 made exits [64,80]'],
    [undefined, 'EOI of vector 64 made exits []'],
  ])('reports exits %j for one EOI', (exits, detail) => {
    expect(noMissedEoiQuirk.check(undefined, quirkEoi(exits), position).violation).toBe(detail);
  });

  it('accepts exactly one exit of the vector', () => {
    expect(noMissedEoiQuirk.check(undefined, quirkEoi([64]), position).violation).toBeUndefined();
  });
});

describe('no-stuck-pin', () => {
  it('reports ENABLE with an I/O APIC without an EOI register: Remote IRR outlives the guest protocol', () => {
    const commands = [...bootedSplit(4, 0x11ff), ...takeAndEoi, line(0), ioapicEoi];
    expect(only('no-stuck-pin', 'upstream', 'ioapic-0x11', commands)).toEqual([
      {
        invariant: 'no-stuck-pin',
        index: 10,
        reaction: null,
        detail: 'pin 5 (vector 64) keeps Remote IRR with nothing left to EOI it',
        expected: EXCUSES.enableWithoutEoiRegister.reason,
      },
    ]);
  });

  it('names every stranded pin of the vector', () => {
    const pin6: Command = { ...levelPin5, pin: 6 };
    const line6: Command = { op: 'device.setLine', pin: 6, level: 1 };
    const commands = [...bootedSplit(4, 0x11ff), levelPin5, pin6, line(1), line6, accept, eoi, ioapicEoi];
    expect(only('no-stuck-pin', 'upstream', 'ioapic-0x11', commands).map((v) => v.detail)).toEqual([
      'pin 5, 6 (vector 64) keeps Remote IRR with nothing left to EOI it',
    ]);
  });

  it('holds with an EOI register, and for a pin whose vector was rewritten in flight', () => {
    const commands = [...bootedSplit(4, 0x11ff), ...takeAndEoi, line(0), ioapicEoi];
    expect(only('no-stuck-pin', 'upstream', 'ioapic-0x20', commands)).toEqual([]);
    const rewritten = [
      ...bootedSplit(4, 0x11ff),
      levelPin5,
      line(1),
      accept,
      { ...levelPin5, vector: 80 },
      eoi,
      ioapicEoi,
    ];
    expect(only('no-stuck-pin', 'upstream', 'ioapic-0x11', rewritten)).toEqual([]);
  });
});

describe('no-stuck-pin leaves out pins the guest or VMM made unreachable', () => {
  const enable0x11 = (commands: Command[]) =>
    only('no-stuck-pin', 'upstream', 'ioapic-0x11', [...bootedSplit(4, 0x11ff), ...commands]);
  const setLapic: Command = { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [], isr: [], tmr: [] };

  const spiv: Command = { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x11ffn };
  it.each([
    ['KVM_SET_LAPIC', [setLapic]],
    ['INIT (the guest then re-enables its APIC)', [{ op: 'guest.init', vcpu: 0 } as Command, spiv]],
  ])('an interrupt discarded by %s', (_, discard) => {
    expect(enable0x11([levelPin5, line(1), ...discard, ioapicEoi])).toEqual([]);
  });

  it('a pin whose vector was rewritten in flight, then restored', () => {
    const rewritten = [
      levelPin5,
      line(1),
      { ...levelPin5, vector: 80 },
      accept,
      eoi,
      levelPin5,
      line(0),
      ioapicEoi,
    ];
    expect(enable0x11(rewritten)).toEqual([]);
  });

  it('a pin whose interrupt a software-disabled APIC dropped', () => {
    const commands: Command[] = [
      ...bootedSplit(4).slice(0, -1),
      levelPin5,
      line(1),
      { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x11ffn },
      line(0),
      ioapicEoi,
    ];
    expect(only('no-stuck-pin', 'upstream', 'ioapic-0x11', commands)).toEqual([]);
  });
});

describe('no-stuck-pin watches a left-out pin again once it is reachable', () => {
  const enable0x11 = (commands: Command[]) =>
    only('no-stuck-pin', 'upstream', 'ioapic-0x11', [...bootedSplit(4, 0x11ff), ...commands]).map(
      (v) => v.detail,
    );
  const stuck = ['pin 5 (vector 64) keeps Remote IRR with nothing left to EOI it'];
  const setLapic: Command = { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [], isr: [], tmr: [] };

  it('after its Remote IRR cleared (edge, then level again), a new stuck interrupt is reported', () => {
    const discarded = [levelPin5, line(1), setLapic, line(0)];
    expect(enable0x11([...discarded, ioapicEoi])).toEqual([]);
    const reprogrammed = [{ ...levelPin5, trigger: 'edge' } as Command, levelPin5];
    expect(enable0x11([...discarded, ...reprogrammed, ...takeAndEoi.slice(1), line(0), ioapicEoi])).toEqual(
      stuck,
    );
  });

  it('a rewrite that keeps the vector (mask, then unmask) leaves the pin reachable by its EOI', () => {
    const masked = { ...levelPin5, masked: true } as Command;
    expect(enable0x11([...takeAndEoi, masked, levelPin5, line(0), ioapicEoi])).toEqual(stuck);
  });

  it('KVM_SET_LAPIC leaves out only pins in flight: one asserted after it is watched', () => {
    expect(enable0x11([levelPin5, setLapic, ...takeAndEoi.slice(1), line(0), ioapicEoi])).toEqual(stuck);
  });

  it("KVM_SET_LAPIC of one vCPU leaves out only that vCPU's pins", () => {
    const onVcpu1: Command[] = [
      ...bootedSplit(4, 0x11ff, 2),
      { ...levelPin5, dest: 1 },
      line(1),
      setLapic,
      { op: 'guest.acceptInterrupt', vcpu: 1 },
      { op: 'guest.eoi', vcpu: 1 },
      line(0),
      ioapicEoi,
    ];
    const found = violationsOf({ kernel: 'upstream', vmm: 'ioapic-0x11', guest: 'adversarial' }, onVcpu1, {
      vcpus: 2,
      pins: 24,
    }).filter((v) => v.invariant === 'no-stuck-pin');
    expect(found.map((v) => v.detail)).toEqual(stuck);
  });
});

describe('no-storm', () => {
  const deliveries = (vectors: number[]): Executed => {
    const executed = executeAfter(upstream, [], line(1));
    return { ...executed, observation: { ...executed.observation, deliveries: vectors } };
  };

  it(`allows ${STORM_BOUND} deliveries of a vector per trace command and reports the next one, once`, () => {
    const first = noStorm.check(noStorm.initial, deliveries([64, 64, 80]), { index: 0, reaction: null });
    expect(first.violation).toBeUndefined();
    const third = noStorm.check(first.monitor, deliveries([64, 80]), { index: 0, reaction: 0 });
    expect(third).toEqual({
      monitor: {
        counts: new Map([
          [64, 3],
          [80, 2],
        ]),
        reported: false,
      },
    });
    const fourth = noStorm.check(third.monitor, deliveries([64]), { index: 0, reaction: 1 });
    expect(fourth).toEqual({
      monitor: {
        counts: new Map([
          [64, 4],
          [80, 2],
        ]),
        reported: true,
      },
      violation: 'vector 64 delivered 4 times within one command',
    });
    expect(
      noStorm.check(fourth.monitor, deliveries([64]), { index: 0, reaction: 2 }).violation,
    ).toBeUndefined();
    const next = noStorm.check(fourth.monitor, deliveries([64]), { index: 1, reaction: null });
    expect(next).toEqual({ monitor: { counts: new Map([[64, 1]]), reported: false } });
  });

  it.each([
    ['after', [80, 80, 80, 80, 80, 64, 64, 64, 64]],
    ['before', [64, 64, 64, 64, 80, 80, 80, 80, 80]],
  ])('names the lowest vector when two storm within one executed command, the lowest %s', (_, vectors) => {
    const both = noStorm.check(noStorm.initial, deliveries(vectors), { index: 0, reaction: null });
    expect(both.violation).toBe('vector 64 delivered 4 times within one command');
    const quiet = noStorm.check(both.monitor, deliveries([]), { index: 0, reaction: 0 });
    expect(quiet).toEqual({
      monitor: {
        counts: new Map([
          [64, 4],
          [80, 5],
        ]),
        reported: true,
      },
    });
  });

  it('reports the credential-guard storm of the quirk at its fourth delivery', () => {
    const found = violationsOf({ kernel: 'legacy', vmm: 'ioapic-0x20', guest: 'credential-guard' }, [
      ...bootedSplit(undefined).slice(0, 4),
      levelPin5,
      line(1),
    ]).filter((v) => v.invariant === 'no-storm');
    expect(found.map((v) => [v.index, v.detail, v.expected])).toEqual([
      [5, 'vector 64 delivered 4 times within one command', EXCUSES.quirk.reason],
    ]);
  });
});
