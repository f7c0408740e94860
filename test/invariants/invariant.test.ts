import { describe, expect, it } from 'vitest';
import { excuseOf, stateless } from '../../src/invariants/invariant.js';
import { initialState } from '../../src/model/state.js';
import { execute } from '../../src/model/step.js';

// Made in each test, not at collection: work done while tests are collected is covered by no test (Stryker).
const profile = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };
const irqchipCreated = () =>
  execute(initialState(profile, { vcpus: 1, pins: 1 }), { op: 'KVM_CREATE_IRQCHIP' });

describe('stateless', () => {
  const spec = { id: 'x-y', statement: 'S', clause: 'patch: c', appliesTo: 'everywhere', excuses: [] };

  it('keeps the spec, starts without memory and passes the check through', () => {
    const executed = irqchipCreated();
    const invariant = stateless(spec, (e) => (e.observation.ret === 0 ? 'broken' : undefined));
    expect(invariant).toMatchObject({ ...spec, initial: undefined });
    expect(invariant.check(undefined, executed, { index: 0, reaction: null })).toStrictEqual({
      monitor: undefined,
      violation: 'broken',
    });
    const quiet = stateless(spec, () => undefined);
    expect(quiet.check(undefined, executed, { index: 0, reaction: null })).toStrictEqual({
      monitor: undefined,
    });
  });
});

describe('excuseOf', () => {
  const excuse = (reason: string, applies: boolean) => ({ reason, applies: () => applies });
  const invariant = (excuses: ReturnType<typeof excuse>[]) =>
    stateless({ id: 'x-y', statement: 'S', clause: 'c', appliesTo: 'a', excuses }, () => 'broken');

  it('gives the reason of the first excuse that applies, none when none does', () => {
    const executed = irqchipCreated();
    expect(excuseOf(invariant([excuse('a', false), excuse('b', true), excuse('c', true)]), executed)).toBe(
      'b',
    );
    expect(excuseOf(invariant([excuse('a', false)]), executed)).toBeUndefined();
    expect(excuseOf(invariant([]), executed)).toBeUndefined();
  });
});
