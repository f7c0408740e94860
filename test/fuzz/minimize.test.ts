import { describe, expect, it } from 'vitest';
import { runCommands } from '../../src/fuzz/interpret.js';
import { minimize } from '../../src/fuzz/minimize.js';
import type { Command } from '../../src/model/command.js';
import { findReferenceError } from '../../src/model/trace.js';
import { setupCommands } from '../../src/scenario/policy.js';
import { makeRow, type Row } from '../../src/scenario/row.js';

const spiv: Command = { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x11ffn };
const levelPin1: Command = {
  op: 'guest.ioapicWriteRte',
  pin: 1,
  vector: 64,
  trigger: 'level',
  masked: false,
  dest: 0,
};
const high: Command = { op: 'device.setLine', pin: 1, level: 1 };
const low: Command = { op: 'device.setLine', pin: 1, level: 0 };
const accept: Command = { op: 'guest.acceptInterrupt', vcpu: 0 };
const eoi: Command = { op: 'guest.eoi', vcpu: 0 };
const ioapicEoi: Command = { op: 'guest.ioapicEoi', vector: 64 };
const noise: Command[] = [
  { op: 'clock.advance', ns: 1_000_000 },
  { op: 'guest.rdmsr', vcpu: 0, msr: 0x802 },
  { op: 'device.setLine', pin: 0, level: 1 },
];

function violates(row: Row, commands: readonly Command[], invariant: string, expected: boolean): boolean {
  return runCommands(row, commands).violations.some(
    (v) => v.invariant === invariant && (v.expected !== null) === expected,
  );
}

/** No single command past the policy's setup can go without losing the violation or the trace's meaning. */
function oneMinimal(row: Row, commands: readonly Command[], invariant: string, expected: boolean): boolean {
  return commands.every(
    (_, i) =>
      i < setupCommands(row).length ||
      findReferenceError(
        commands.filter((_, j) => j !== i),
        row.config,
      ) !== undefined ||
      !violates(
        row,
        commands.filter((_, j) => j !== i),
        invariant,
        expected,
      ),
  );
}

describe('minimize', () => {
  const row = makeRow('upstream', 'ioapic-0x11', 'enable', 'adversarial');
  const stuck = [spiv, levelPin1, high, accept, eoi, low, ioapicEoi];
  const noisy = [
    ...setupCommands(row),
    noise[0],
    spiv,
    levelPin1,
    noise[1],
    high,
    accept,
    noise[2],
    eoi,
    low,
    ioapicEoi,
    ...noise,
  ] as Command[];
  // Found in each test, not at collection: work done while tests are collected is covered by no test (Stryker).
  const stuckIsExpected = () =>
    runCommands(row, noisy).violations.find((v) => v.invariant === 'no-stuck-pin')?.expected !== null;

  it('keeps a trace that violates the invariant only the other way (expected or not) as it is', () => {
    const expected = stuckIsExpected();
    expect(minimize(row, noisy, 'no-stuck-pin', !expected)).toEqual(noisy);
  });

  it("looks past another invariant's earlier violation, and keeps what the asked one needs", () => {
    // DISABLE in the setup; KVM_SET_LAPIC restores SPIV bit 12 raw (spiv-needs-lvr), so the EOI that DISABLED
    // still broadcasts unmasks the pin before the guest's I/O APIC EOI (no-unmask-before-ioapic-eoi).
    const disabled = makeRow('upstream', 'ioapic-0x20', 'disable', 'adversarial');
    const rawSpiv: Command = { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [], isr: [], tmr: [] };
    const needed = [rawSpiv, levelPin1, high, accept, eoi];
    const trace = [
      ...setupCommands(disabled),
      noise[0],
      rawSpiv,
      levelPin1,
      noise[1],
      high,
      accept,
      eoi,
      ...noise,
    ] as Command[];
    const found = runCommands(disabled, trace).violations.map((v) => [v.invariant, v.expected !== null]);
    expect(found.slice(0, 2)).toEqual([
      ['spiv-needs-lvr', true],
      ['no-unmask-before-ioapic-eoi', true],
    ]);
    expect(minimize(disabled, trace, 'no-unmask-before-ioapic-eoi', true)).toEqual([
      ...setupCommands(disabled),
      ...needed,
    ]);
  });

  it('passes again after a removal: an earlier SPIV write that cleared bit 12 kept a later one needed', () => {
    const expected = stuckIsExpected();
    const spivOff: Command = { ...spiv, value: 0x1ffn } as Command;
    const edge = (pin: number, vector: number): Command => ({ ...levelPin1, pin, vector, trigger: 'edge' });
    const body = [
      spiv,
      levelPin1,
      edge(0, 64),
      spivOff,
      levelPin1,
      high,
      accept,
      spiv,
      eoi,
      ioapicEoi,
      edge(1, 80),
    ];
    const minimal = minimize(row, [...setupCommands(row), ...body], 'no-stuck-pin', expected);
    expect(minimal.slice(setupCommands(row).length)).toEqual([spiv, levelPin1, high, accept, eoi, ioapicEoi]);
    expect(oneMinimal(row, minimal, 'no-stuck-pin', expected)).toBe(true);
  });

  it('drops every command the violation does not need, keeping the order and the setup', () => {
    const expected = stuckIsExpected();
    expect(violates(row, noisy, 'no-stuck-pin', expected)).toBe(true);
    const minimal = minimize(row, noisy, 'no-stuck-pin', expected);
    expect(minimal.slice(0, setupCommands(row).length)).toEqual(setupCommands(row));
    expect(minimal.slice(setupCommands(row).length)).toEqual(stuck.filter((c) => c !== low));
    expect(violates(row, minimal, 'no-stuck-pin', expected)).toBe(true);
    expect(oneMinimal(row, minimal, 'no-stuck-pin', expected)).toBe(true);
  });

  it('keeps the violation expected or unexpected as found: nothing reproduces the other kind, nothing goes', () => {
    const expected = stuckIsExpected();
    expect(minimize(row, noisy, 'no-stuck-pin', !expected)).toEqual(noisy);
  });

  it('never removes a command the rest refers to: with the adversarial policy there is no setup to keep', () => {
    const expected = stuckIsExpected();
    const adversarial = makeRow('upstream', 'ioapic-0x11', 'adversarial', 'adversarial');
    const ordered = [...setupCommands(row), ...noise, ...stuck];
    const minimal = minimize(adversarial, ordered, 'no-stuck-pin', expected);
    expect(findReferenceError(minimal, adversarial.config)).toBeUndefined();
    expect(minimal).toContainEqual({ op: 'KVM_CREATE_VCPU', id: 0 });
    expect(minimal.length).toBeLessThan(ordered.length);
    expect(oneMinimal(adversarial, minimal, 'no-stuck-pin', expected)).toBe(true);
  });
});
