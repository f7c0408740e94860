import { describe, expect, it } from 'vitest';
import { checkStep, INVARIANT_IDS, INVARIANTS, startMonitors } from '../../src/invariants/index.js';
import type { Command } from '../../src/model/command.js';
import { initialState } from '../../src/model/state.js';
import { step } from '../../src/model/step.js';
import { bootedSplit, levelPin5 } from '../helpers.js';

describe('INVARIANTS', () => {
  it('have unique kebab-case ids', () => {
    expect(new Set(INVARIANT_IDS).size).toBe(INVARIANTS.length);
    for (const id of INVARIANT_IDS) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
  });

  // Reports and `seoib advise` print these; each must say what it checks, the clause it protects and where.
  it.each(INVARIANTS.map((i) => [i.id, i]))(
    '%s states itself, cites its clause and says where it applies',
    (_, i) => {
      expect(i.statement).toMatch(/^[A-Z].{20,}[^.]$/);
      expect(i.clause).toMatch(/DESIGN §\d|patch:/);
      expect(i.appliesTo.length).toBeGreaterThan(5);
    },
  );

  it('start their monitors empty, each under its id', () => {
    expect(Object.keys(startMonitors())).toEqual(INVARIANT_IDS);
    for (const i of INVARIANTS) expect(startMonitors()[i.id]).toEqual(i.initial);
  });
});

describe('checkStep', () => {
  const profile = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'credential-guard' };
  const commands: Command[] = [
    ...bootedSplit(undefined).slice(0, 3),
    levelPin5,
    { op: 'device.setLine', pin: 5, level: 1 },
  ];

  it('reports an invariant once per trace command, at the reaction that first broke it, with its reason', () => {
    let state = initialState(profile, { vcpus: 1, pins: 24 });
    let monitors = startMonitors();
    const reported = commands.map((command, index) => {
      const result = step(state, command);
      state = result.state;
      const checked = checkStep(monitors, result.executed, index);
      monitors = checked.monitors;
      return checked.violations;
    });
    expect(reported.slice(0, 4).flat()).toEqual([]);
    const storm = reported[4] ?? [];
    expect(storm.map((v) => v.invariant)).toEqual(['no-unmask-before-ioapic-eoi', 'no-storm']);
    expect(storm.map((v) => [v.index, v.reaction])).toEqual([
      [4, 1],
      [4, 5],
    ]);
    expect(storm.every((v) => v.expected !== null)).toBe(true);
  });

  it('marks a violation without a documented reason as unexpected (null)', () => {
    const both: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [12] };
    const lying = step(
      initialState({ ...profile, kernel: 'upstream' }, { vcpus: 1, pins: 24 }),
      both,
    ).executed.map((e) => ({ ...e, observation: { ...e.observation, ret: 0 } }));
    expect(checkStep(startMonitors(), lying, 3).violations).toEqual([
      {
        invariant: 'flags-exclusive',
        index: 3,
        reaction: null,
        detail: 'args 12 returned 0, not -EINVAL',
        expected: null,
      },
    ]);
  });
});
