import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { interpret } from '../../src/fuzz/interpret.js';
import type * as Drive from '../../src/model/drive.js';
import { initialState } from '../../src/model/state.js';
import { step } from '../../src/model/step.js';
import { EVERY_PROFILE_ROW, stepWithModule } from './modelCopy.js';

/** advance() as XState's plain transition(), with no interning and no memo: the reference the fast path must match. */
async function plainAdvance(): Promise<typeof Drive.advance> {
  const { transition } = await import('xstate');
  return ((machine: AnyStateMachine, state: { value: never; context: never }, event: { type: string }) => {
    const [next, actions] = transition(machine, machine.resolveState(state), event);
    const emitted = (actions as readonly { type: string; params?: { event: unknown } }[])
      .filter((action) => action.type === 'xstate.emit')
      .map((action) => action.params?.event);
    return { next: { value: next.value, context: next.context }, emitted, visited: [] };
  }) as unknown as typeof Drive.advance;
}

describe('the fast path (interned snapshots and events, memoised answers)', () => {
  it('agrees with plain transition() on random traces of every kernel × VMM × guest', async () => {
    const advance = await plainAdvance();
    const reference = await stepWithModule<typeof Drive>('../../src/model/drive.js', (real) => ({
      ...real,
      advance,
    }));
    const choices = fc.array(fc.record({ aware: fc.boolean(), pick: fc.nat(1023) }), { maxLength: 25 });
    for (const row of EVERY_PROFILE_ROW) {
      fc.assert(
        fc.property(choices, (drawn) => {
          const { commands } = interpret(row, drawn);
          let fast = initialState(row, row.config);
          let plain = initialState(row, row.config);
          for (const command of commands) {
            const a = step(fast, command);
            const b = reference(plain, command);
            expect(a.observation).toEqual(b.observation);
            expect(a.state).toEqual(b.state);
            fast = a.state;
            plain = b.state;
          }
        }),
        { numRuns: 2, seed: EVERY_PROFILE_ROW.indexOf(row) },
      );
    }
  }, 120_000);
});
