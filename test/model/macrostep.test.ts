import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, getMicrosteps } from 'xstate';
import { interpret } from '../../src/fuzz/interpret.js';
import type { Command } from '../../src/model/command.js';
import type * as Macrostep from '../../src/model/macrostep.js';
import { initialState } from '../../src/model/state.js';
import { bootedSplit, levelPin5 } from '../helpers.js';
import { EVERY_PROFILE_ROW, stepWithModule } from './modelCopy.js';

type Steps = readonly (readonly [
  { value: unknown; context: unknown },
  readonly { type: string; params?: unknown }[],
])[];

/** What a caller reads of a macrostep: each microstep's snapshot, and its actions' types and parameters. */
const readable = (steps: Steps) =>
  steps.map(([snapshot, actions]) => ({
    value: snapshot.value,
    context: snapshot.context,
    actions: actions.map(({ type, params }) => ({ type, params })),
  }));

/** step() from a second copy of the model whose every macrostep is also taken by XState's getMicrosteps(). */
async function comparedStep() {
  const seen = { macrosteps: 0, actionTypes: new Set<string>(), machines: new Set<string>() };
  const step = await stepWithModule<typeof Macrostep>('../../src/model/macrostep.js', (real) => ({
    ...real,
    microsteps: (machine, snapshot, event) => {
      const ours = real.microsteps(machine, snapshot, event);
      const xstate = getMicrosteps(machine as AnyStateMachine, snapshot, event as never);
      expect(readable(ours), `${machine.id} on ${event.type}`).toEqual(readable(xstate as unknown as Steps));
      seen.macrosteps++;
      seen.machines.add(machine.id);
      for (const [, actions] of ours) for (const action of actions) seen.actionTypes.add(action.type);
      return ours;
    },
  }));
  return { step, seen };
}

describe('microsteps()', () => {
  it("takes every macrostep of random traces as XState's getMicrosteps() does: snapshots, emits and raises", async () => {
    const { step, seen } = await comparedStep();
    const choices = fc.array(fc.record({ aware: fc.boolean(), pick: fc.nat(1023) }), { maxLength: 25 });
    for (const row of EVERY_PROFILE_ROW) {
      fc.assert(
        fc.property(choices, (drawn) => {
          let state = initialState(row, row.config);
          for (const command of interpret(row, drawn).commands) state = step(state, command).state;
        }),
        { numRuns: 2, seed: EVERY_PROFILE_ROW.indexOf(row) },
      );
    }
    // An EOI by WRMSR raises the LAPIC's own EOI event within the same macrostep.
    const profile = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };
    let state = initialState(profile, { vcpus: 1, pins: 6 });
    for (const command of [
      ...bootedSplit(undefined),
      levelPin5,
      { op: 'device.setLine', pin: 5, level: 1 },
      { op: 'guest.acceptInterrupt', vcpu: 0 },
      { op: 'guest.wrmsr', vcpu: 0, msr: 0x80b, value: 0n },
    ] as Command[])
      state = step(state, command).state;
    expect(seen.machines).toEqual(new Set(['vm', 'lapic', 'ioapicPin']));
    expect([...seen.actionTypes]).toEqual(expect.arrayContaining(['xstate.emit', 'xstate.raise']));
    expect(seen.macrosteps).toBeGreaterThan(1000);
  }, 120_000);
});
