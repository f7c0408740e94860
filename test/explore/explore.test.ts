import { describe, expect, it, onTestFinished } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { runCommands } from '../../src/fuzz/interpret.js';
import { EXCUSES } from '../../src/invariants/excuses.js';
import { MAX_REACTIONS } from '../../src/model/step.js';
import { registerVmm } from '../../src/model/vmms.js';
import { commandsFor } from '../../src/scenario/alphabet.js';
import { verdicts } from '../../src/scenario/matrix.js';
import { setupCommands } from '../../src/scenario/policy.js';
import { makeRow } from '../../src/scenario/row.js';
import { runCommands as stateAfter } from '../helpers.js';

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

  it('reports a violation of the setup itself with the setup up to the ioctl that broke it', () => {
    const row = makeRow('upstream-apply-first', 'firecracker', 'enable', 'linux', one);
    const found = explore(row, { ...unbounded, depth: 0 }).found.map((f) => [
      f.violation.invariant,
      f.commands,
    ]);
    const [irqchip, enable] = setupCommands(row);
    expect(found).toEqual([
      ['enable-needs-split', [irqchip, enable]],
      ['failed-ioctl-atomic', [irqchip, enable]],
    ]);
  });

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

  // A guest that leaves Remote IRR set in every way it can: with an EOI register it can always end the interrupt
  // itself (guest.ioapicEoi is a progress move); without one, only rewriting the entry (a repair) would.
  it.each([
    ['ioapic-0x20', [], []],
    ['ioapic-0x11', [64, 80], [['no-stuck-pin', 6]]],
  ] as const)(
    'adversarial guest after ENABLE on %s: stuck vectors %j, shortest counterexamples %j',
    (vmm, stuck, shortest) => {
      const row = makeRow('upstream', vmm, 'enable', 'adversarial', one);
      const { deadlocks, exhausted, states, found } = explore(row, unbounded);
      expect(exhausted).toBe(true);
      expect(deadlocks.map((d) => d.vector)).toEqual(stuck);
      // Counterexamples of several guest moves replay in the order the search took them.
      for (const { commands, violation } of found) {
        const replayed = runCommands(row, commands).violations.find(
          (v) => v.invariant === violation.invariant,
        );
        expect(replayed?.index).toBe(commands.length - 1);
      }
      expect(
        found.map((f) => [f.violation.invariant, f.commands.length - setupCommands(row).length]),
      ).toEqual(shortest);
      for (const { states: where, commands } of deadlocks) {
        expect(where).toBeGreaterThan(0);
        expect(where).toBeLessThan(states);
        const [pin] = stateAfter(row, commands, row.config).state.pins;
        expect([pin?.value, pin?.context.trigger]).toEqual(['remoteIrrSet', 'level']);
      }
    },
  );
});

describe('explore bounds', () => {
  it('stops at maxStates and says so', () => {
    const result = explore(makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial', one), {
      ...unbounded,
      maxStates: 100,
    });
    expect(result.truncated).toBe(true);
    expect(result.exhausted).toBe(false);
    expect(result.states).toBeLessThan(200);
  });

  it('expands nothing when the setup alone reaches maxStates', () => {
    const result = explore(makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial', one), {
      ...unbounded,
      maxStates: 1,
    });
    expect([result.states, result.transitions, result.depth, result.truncated]).toEqual([1, 0, 0, true]);
  });
});

describe('symmetry reduction', () => {
  it('keeps every verdict and stores fewer states (2 vCPUs, 2 pins, depth 3)', () => {
    const row = makeRow('upstream', 'ioapic-0x20', 'adversarial', 'adversarial', { vcpus: 2, pins: 2 });
    const reduced = explore(row, { ...unbounded, depth: 3 });
    const full = explore(row, { ...unbounded, depth: 3, symmetry: false });
    expect(reduced.symmetry).toBe(true);
    expect(verdicts(reduced)).toEqual(verdicts(full));
    expect(reduced.states).toBeLessThan(full.states);
  });

  it('is not applied to a guest program, which serves the lowest vCPU and pin first', () => {
    const row = makeRow('upstream', 'ioapic-0x20', 'enable', 'linux', { vcpus: 2, pins: 1 });
    expect(explore(row, { ...unbounded, depth: 2 }).symmetry).toBe(false);
  });
});

describe('explore reports its search', () => {
  const row = makeRow('upstream', 'ioapic-0x20', 'none', 'credential-guard', one);

  it('after each layer: its depth, the new states as the frontier, the states and transitions so far', () => {
    const layers: { depth: number; frontier: number; states: number; transitions: number }[] = [];
    const result = explore(row, { ...unbounded, onLayer: (layer) => layers.push(layer) });
    expect(result.exhausted).toBe(true);
    expect(layers.map((l) => l.depth)).toEqual(layers.map((_, k) => k + 1));
    expect(layers.at(-1)).toMatchObject({
      frontier: 0,
      states: result.states,
      transitions: result.transitions,
    });
    layers.forEach((layer, k) => {
      const before = k === 0 ? { states: 1, transitions: 0, frontier: 1 } : (layers[k - 1] as typeof layer);
      expect(layer.frontier).toBe(layer.states - before.states);
      // Every state of the last frontier takes every command of the alphabet (one vCPU, created in setup).
      expect(layer.transitions - before.transitions).toBe(before.frontier * commandsFor(row, [0]).length);
    });
    expect(result.depth).toBe(layers.length);
    // The search stops at the first empty frontier: the fixpoint's depth is the last layer that found a state.
    expect(layers.filter((l) => l.frontier === 0)).toHaveLength(1);
    expect(result.bytesPerState).toBeGreaterThan(0);
  });

  it('takes no command naming a vCPU that does not exist yet', () => {
    const bare = makeRow('upstream', 'ioapic-0x20', 'adversarial', 'adversarial', one);
    const alphabet = commandsFor(bare, [0]);
    const result = explore(bare, { ...unbounded, depth: 1 });
    expect(result.transitions).toBe(alphabet.filter((command) => !('vcpu' in command)).length);
    expect(result.transitions).toBeLessThan(alphabet.length);
  });

  it('keeps the first counterexample of each invariant, documented or not, once', () => {
    const result = explore(row, unbounded);
    const kinds = result.found.map((f) => `${f.violation.invariant}/${f.violation.expected === null}`);
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const found of result.found) {
      const replayed = runCommands(row, found.commands).violations;
      expect(replayed.map((v) => v.invariant)).toContain(found.violation.invariant);
      // Violated by the trace's last command, which is where the search reported it.
      expect(found.violation.index).toBe(found.commands.length - 1);
      expect(replayed.find((v) => v.invariant === found.violation.invariant)?.index).toBe(
        found.violation.index,
      );
      expect(found.commands.slice(0, setupCommands(row).length)).toEqual(setupCommands(row));
    }
  });

  it('refuses a depth at which the EOI throttle could be reached, since state keys leave its counter out', () => {
    const qemu = makeRow('upstream', 'qemu', 'none', 'linux', one);
    const reachable = Math.ceil(10_000 / (MAX_REACTIONS + 1));
    expect(() => explore(qemu, { ...unbounded, depth: reachable })).toThrow(
      `explore: depth ${reachable} could reach the qemu EOI throttle (10000 EOIs)`,
    );
    expect(explore(qemu, { ...unbounded, depth: reachable - 1, maxStates: 10 }).truncated).toBe(true);
  });

  it('counts the EOI that reaches the throttle: a depth whose EOIs at most equal it is refused', () => {
    const perCommand = MAX_REACTIONS + 1;
    const own = (throttleEois: number) =>
      registerVmm({
        name: 'test-throttle',
        description: 'a throttle',
        ioapicVersion: 0x20,
        quirks: { throttleEois },
      });
    const custom = makeRow('upstream', 'test-throttle', 'none', 'linux', one);
    const unregister = own(perCommand);
    try {
      expect(() => explore(custom, { ...unbounded, depth: 1 })).toThrow(
        `explore: depth 1 could reach the test-throttle EOI throttle (${perCommand} EOIs)`,
      );
    } finally {
      unregister();
    }
    onTestFinished(own(perCommand + 1));
    expect(explore(custom, { ...unbounded, depth: 1 }).depth).toBe(1);
  });

  it('refuses a VMM nobody registered, naming it', () => {
    expect(() => explore(makeRow('upstream', 'no-such-vmm', 'none', 'linux', one), unbounded)).toThrow(
      'unknown profile {"kernel":"upstream","vmm":"no-such-vmm","guest":"linux"}',
    );
  });
});
