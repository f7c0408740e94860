import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { runCommands } from '../../src/fuzz/interpret.js';
import { EXCUSES } from '../../src/invariants/excuses.js';
import { verdicts } from '../../src/scenario/matrix.js';
import { setupCommands } from '../../src/scenario/policy.js';
import { makeRow } from '../../src/scenario/row.js';

const one = { vcpus: 1, pins: 1 };
const unbounded = { depth: 100, maxStates: 1_000_000, symmetry: true };

describe('explore finds each failure with a shortest trace', () => {
  it.each([
    ['ioapic-0x20', 'none', 'credential-guard', 'no-storm', 5, EXCUSES.quirk.reason],
    ['ioapic-0x11', 'enable', 'windows-hyperv', 'no-stuck-pin', 6, EXCUSES.enableWithoutEoiRegister.reason],
  ] as const)(
    'upstream/%s/%s/%s: %s in %i commands, none in fewer',
    (vmm, policy, guest, invariant, length, reason) => {
      const row = makeRow('upstream', vmm, policy, guest, one);
      const found = explore(row, unbounded).found.find((f) => f.violation.invariant === invariant);
      expect(found?.violation.expected).toBe(reason);
      expect(found?.commands).toHaveLength(length);
      const replayed = runCommands(row, found?.commands ?? []).violations.map((v) => v.invariant);
      expect(replayed).toContain(invariant);
      const shallower = explore(row, { ...unbounded, depth: length - setupCommands(row).length - 1 });
      expect(shallower.found.map((f) => f.violation.invariant)).not.toContain(invariant);
    },
  );

  it('reports the stuck pin as a deadlock of the graph, with a trace that leaves it pending', () => {
    const row = makeRow('upstream', 'ioapic-0x11', 'enable', 'windows-hyperv', one);
    const { deadlocks } = explore(row, unbounded);
    expect(deadlocks.map((d) => d.vector).sort()).toEqual([64, 80]);
    const trace = deadlocks[0]?.commands ?? [];
    expect(runCommands(row, trace).violations.map((v) => v.invariant)).toContain('no-stuck-pin');
  });

  it('finds no deadlock where the VMM can end the interrupt: ENABLE with an EOI register', () => {
    const row = makeRow('upstream', 'ioapic-0x20', 'enable', 'windows-hyperv', one);
    expect(explore(row, unbounded).deadlocks).toEqual([]);
  });
});

describe('explore reaches the fixpoint', () => {
  it('upstream/ioapic-0x20/enable/adversarial, 1 vCPU and 1 pin: 2888 states, no violation', () => {
    const result = explore(makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial', one), unbounded);
    expect(result.exhausted).toBe(true);
    expect(result.truncated).toBe(false);
    // A property of the model, not of the machine: a change here means the model's reachable states changed.
    expect(result.states).toBe(2888);
    expect(result.found).toEqual([]);
  });

  it('stops at maxStates and says so', () => {
    const result = explore(makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial', one), {
      ...unbounded,
      maxStates: 100,
    });
    expect(result.truncated).toBe(true);
    expect(result.exhausted).toBe(false);
    expect(result.states).toBeLessThan(200);
  });
});

describe('symmetry reduction', () => {
  it('keeps every verdict and stores fewer states (2 vCPUs, 2 pins, depth 4)', () => {
    const row = makeRow('upstream', 'ioapic-0x20', 'adversarial', 'adversarial', { vcpus: 2, pins: 2 });
    const reduced = explore(row, { ...unbounded, depth: 4 });
    const full = explore(row, { ...unbounded, depth: 4, symmetry: false });
    expect(reduced.symmetry).toBe(true);
    expect(verdicts(reduced)).toEqual(verdicts(full));
    expect(reduced.states).toBeLessThan(full.states);
  });

  it('is not applied to a guest program, which serves the lowest vCPU and pin first', () => {
    const row = makeRow('upstream', 'ioapic-0x20', 'enable', 'linux', { vcpus: 2, pins: 1 });
    expect(explore(row, { ...unbounded, depth: 2 }).symmetry).toBe(false);
  });
});
