import { describe, expect, it } from 'vitest';
import { fuzzRow, rowSeed } from '../../src/fuzz/campaign.js';
import { runCommands } from '../../src/fuzz/interpret.js';
import { EXCUSES } from '../../src/invariants/excuses.js';
import { findReferenceError } from '../../src/model/trace.js';
import { setupCommands } from '../../src/scenario/policy.js';
import { DEFAULT_FUZZ_CONFIG as config, makeRow, promiseRows } from '../../src/scenario/row.js';

const row = makeRow;

describe('fuzzing finds the two failures from an empty corpus (seed 11)', () => {
  it.each([
    ['legacy', 'ioapic-0x20', 'none', 'credential-guard', 'no-storm', EXCUSES.quirk.reason],
    ['upstream', 'ioapic-0x20', 'none', 'credential-guard', 'no-storm', EXCUSES.quirk.reason],
    ['legacy', 'ioapic-0x20', 'adversarial', 'credential-guard', 'no-storm', EXCUSES.quirk.reason],
    [
      'upstream',
      'ioapic-0x11',
      'enable',
      'windows-hyperv',
      'no-stuck-pin',
      EXCUSES.enableWithoutEoiRegister.reason,
    ],
    [
      'upstream',
      'ioapic-0x11',
      'enable',
      'credential-guard',
      'no-stuck-pin',
      EXCUSES.enableWithoutEoiRegister.reason,
    ],
  ] as const)(
    '%s/%s/%s/%s: %s, shrunk to at most 12 commands',
    (kernel, vmm, policy, guest, invariant, reason) => {
      const r = row(kernel, vmm, policy, guest);
      const result = fuzzRow(r, { seed: rowSeed(11, r), runs: 1000, maxCommands: 30 });
      const found = result.found.find((f) => f.violation.invariant === invariant);
      expect(found?.violation.expected).toBe(reason);
      expect(found?.commands.length).toBeLessThanOrEqual(12);
    },
  );

  it('reports the stale LVR of a mode change after vCPU creation on upstream with random ioctls', () => {
    const r = row('upstream', 'ioapic-0x20', 'adversarial', 'adversarial');
    const result = fuzzRow(r, { seed: rowSeed(11, r), runs: 2000, maxCommands: 30 });
    const found = result.found.find((f) => f.violation.invariant === 'lvr-advertise');
    expect(found?.violation.expected).toBe(EXCUSES.staleLvr.reason);
    const last = found?.commands.at(-1);
    expect(last).toMatchObject({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API' });
  });
});

describe("the patch's promise: ENABLE + 0x20 and DISABLE + any are clean for every guest (seed 12)", () => {
  const rows = promiseRows(['linux', 'windows-hyperv', 'credential-guard', 'adversarial']);

  it('shows no violation over more than 100k commands', () => {
    let commands = 0;
    for (const r of rows) {
      const result = fuzzRow(r, { seed: rowSeed(12, r), runs: 500, maxCommands: 30 });
      expect(result.found.map((f) => f.violation)).toEqual([]);
      commands += result.commands;
    }
    expect(commands).toBeGreaterThan(100_000);
  });
});

describe('counterexamples are 1-minimal (seed 14)', () => {
  it('no single non-setup command can be removed without losing the violation', () => {
    const r = row('upstream', 'ioapic-0x11', 'adversarial', 'credential-guard');
    const result = fuzzRow(r, { seed: rowSeed(14, r), runs: 1000, maxCommands: 30 });
    expect(result.found.length).toBeGreaterThan(0);
    for (const found of result.found) {
      const { invariant, expected } = found.violation;
      for (let i = setupCommands(r).length; i < found.commands.length; i++) {
        const without = found.commands.filter((_, j) => j !== i);
        if (findReferenceError(without, config) !== undefined) continue;
        const still = runCommands(r, without).violations.some(
          (v) => v.invariant === invariant && (v.expected === null) === (expected === null),
        );
        expect(still, `${invariant} without command ${i}`).toBe(false);
      }
    }
  });
});
