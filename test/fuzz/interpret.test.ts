import { describe, expect, it } from 'vitest';
import { interpret, runCommands } from '../../src/fuzz/interpret.js';
import type { Command } from '../../src/model/command.js';
import { initialState } from '../../src/model/state.js';
import { step } from '../../src/model/step.js';
import { accepted, commandsFor } from '../../src/scenario/alphabet.js';
import { setupCommands } from '../../src/scenario/policy.js';
import { makeRow } from '../../src/scenario/row.js';

const adversarial = makeRow('upstream', 'ioapic-0x20', 'adversarial', 'adversarial');
const alphabetOf = (vcpus: number[]) => commandsFor(adversarial, vcpus);
const index = (commands: Command[], wanted: Command) =>
  commands.findIndex(
    (c) => JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? `${v}` : v)) === JSON.stringify(wanted),
  );

describe('interpret', () => {
  it("runs the policy's setup first, then one command per choice", () => {
    const row = makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial');
    const choices = [0, 1, 2].map((pick) => ({ aware: false, pick }));
    const run = interpret(row, choices);
    expect(run.commands.slice(0, setupCommands(row).length)).toEqual(setupCommands(row));
    expect(run.commands.length).toBe(setupCommands(row).length + choices.length);
  });

  it('draws from the whole alphabet when unaware, modulo its size: a refused command is counted', () => {
    const create = index(alphabetOf([]), { op: 'KVM_CREATE_VCPU', id: 0 });
    const n = alphabetOf([0]).length;
    const run = interpret(adversarial, [
      { aware: false, pick: create },
      { aware: false, pick: n + create },
    ]);
    expect(run.commands).toEqual([
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { op: 'KVM_CREATE_VCPU', id: 0 },
    ]);
    expect(run.refused).toBe(1);
    expect(run.executed).toBe(2);
  });

  it('draws the first accepted command at or after the pick (modulo the alphabet size) when aware', () => {
    const created = alphabetOf([0]);
    const create = index(created, { op: 'KVM_CREATE_VCPU', id: 0 });
    const state = step(
      initialState({ kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' }, adversarial.config),
      {
        op: 'KVM_CREATE_VCPU',
        id: 0,
      },
    ).state;
    const next = created.find((c, i) => i > create && accepted(state, c));
    const run = interpret(adversarial, [
      { aware: true, pick: create },
      { aware: true, pick: create },
      { aware: true, pick: created.length - 1 + created.length },
    ]);
    expect(run.commands[0]).toEqual({ op: 'KVM_CREATE_VCPU', id: 0 });
    expect(run.commands[1]).toEqual(next);
    expect(accepted(state, created[created.length - 1] as Command)).toBe(true);
    expect(run.commands[2]).toEqual(created[created.length - 1]);
    expect(run.refused).toBe(0);
  });

  it('counts a guest command that faults as refused', () => {
    const row = makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial');
    const eoiHigh: Command = { op: 'guest.wrmsr', vcpu: 0, msr: 0x80b, value: 1n << 32n };
    const run = runCommands(row, [...setupCommands(row), eoiHigh]);
    expect(run.refused).toBe(1);
  });

  it('counts the guest reactions a command sets off among the executed commands', () => {
    const row = makeRow('upstream', 'ioapic-0x20', 'enable', 'linux');
    const commands = [
      ...setupCommands(row),
      { op: 'guest.ioapicWriteRte', pin: 1, vector: 64, trigger: 'level', masked: false, dest: 0 },
      { op: 'device.setLine', pin: 1, level: 1 },
    ] as Command[];
    const run = runCommands(row, commands);
    expect(run.commands).toEqual(commands);
    expect(run.executed).toBeGreaterThan(commands.length);
  });
});

describe('runCommands', () => {
  const row = makeRow('upstream', 'ioapic-0x11', 'enable', 'adversarial');
  const stuck: Command[] = [
    ...setupCommands(row),
    { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x11ffn },
    { op: 'guest.ioapicWriteRte', pin: 1, vector: 64, trigger: 'level', masked: false, dest: 0 },
    { op: 'device.setLine', pin: 1, level: 1 },
    { op: 'guest.acceptInterrupt', vcpu: 0 },
    { op: 'guest.eoi', vcpu: 0 },
    { op: 'guest.ioapicEoi', vector: 64 },
    { op: 'guest.ioapicEoi', vector: 64 },
    { op: 'clock.advance', ns: 1 },
  ];

  it('checks every invariant after every command, with the index of the command', () => {
    const run = runCommands(row, stuck);
    expect(run.commands).toEqual(stuck);
    expect(run.violations.filter((v) => v.invariant === 'no-stuck-pin').map((v) => v.index)).toEqual([9, 10]);
  });

  it('stops after the first command whose violation matches stop', () => {
    const run = runCommands(row, stuck, (v) => v.invariant === 'no-stuck-pin');
    expect(run.commands).toEqual(stuck.slice(0, 10));
    expect(run.violations.map((v) => v.index)).toEqual([9]);
    expect(runCommands(row, stuck, () => false).commands).toEqual(stuck);
  });
});
