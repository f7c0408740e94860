import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { interpret } from '../../src/fuzz/interpret.js';
import type * as Drive from '../../src/model/drive.js';
import { GUESTS } from '../../src/model/guests/index.js';
import { KERNELS } from '../../src/model/kernels.js';
import { initialState } from '../../src/model/state.js';
import { step } from '../../src/model/step.js';
import { VMMS } from '../../src/model/vmms.js';
import { makeRow } from '../../src/scenario/row.js';

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

/** step() from a second copy of the model whose machines are advanced by plain transition(). */
async function plainStep(): Promise<typeof step> {
  const advance = await plainAdvance();
  vi.resetModules();
  vi.doMock('../../src/model/drive.js', async (original) => ({
    ...(await original<typeof Drive>()),
    advance,
  }));
  const plain = await import('../../src/model/step.js');
  vi.doUnmock('../../src/model/drive.js');
  // The mutation suite shares one module registry: a later suite must not import this copy of the model.
  vi.resetModules();
  return plain.step;
}

const rows = [...KERNELS.keys()].flatMap((kernel) =>
  [...VMMS.keys()].flatMap((vmm) =>
    [...GUESTS.keys()].map((guest) => makeRow(kernel, vmm, 'adversarial', guest, { vcpus: 2, pins: 2 })),
  ),
);

describe('the fast path (interned snapshots and events, memoised answers)', () => {
  it('agrees with plain transition() on random traces of every kernel × VMM × guest', async () => {
    const reference = await plainStep();
    const choices = fc.array(fc.record({ aware: fc.boolean(), pick: fc.nat(1023) }), { maxLength: 25 });
    for (const row of rows) {
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
        { numRuns: 2, seed: rows.indexOf(row) },
      );
    }
  }, 120_000);
});
