import { describe, expect, it } from 'vitest';
import { runTrace } from '../../../src/check/runTrace.js';
import type { Command } from '../../../src/model/command.js';
import { GUESTS } from '../../../src/model/guests/index.js';
import { commandJson } from '../../../src/model/traceFormat.js';
import { TRACE_FORMAT } from '../../../src/model/traceSchema.js';
import { orderedSetup, runCommands } from '../../helpers.js';

/** The guest program's reactions to a level (or edge) interrupt on pin 5, as trace commands. */
function reactions(guest: string, vmm: string, trigger: 'level' | 'edge'): unknown[] {
  const commands: Command[] = [
    ...orderedSetup(undefined),
    { op: 'guest.ioapicWriteRte', pin: 5, vector: 64, trigger, masked: false, dest: 0 },
    { op: 'device.setLine', pin: 5, level: 1 },
  ];
  const run = runTrace({
    format: TRACE_FORMAT,
    profile: { kernel: 'upstream', vmm, guest },
    config: { vcpus: 1, pins: 24 },
    commands,
  });
  return (run.observations.at(-1)?.reactions ?? []).map((r) => commandJson(r.command));
}

const taken = [
  { op: 'guest.acceptInterrupt', vcpu: 0 },
  { op: 'device.setLine', pin: 5, level: 0 },
];
const readTmr = { op: 'guest.rdmsr', vcpu: 0, msr: '0x81a' };
const lapicEoi = { op: 'guest.eoi', vcpu: 0 };
const ioapicEoi = { op: 'guest.ioapicEoi', vector: 64 };
const rte = (trigger: string, masked: boolean) => ({
  op: 'guest.ioapicWriteRte',
  pin: 5,
  vector: 64,
  trigger,
  masked,
  dest: 0,
});

describe('linux', () => {
  it('boots with SPIV 0x1ff (never bit 12)', () => {
    const run = runTrace({
      format: TRACE_FORMAT,
      profile: { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'linux' },
      config: { vcpus: 1, pins: 24 },
      commands: orderedSetup(undefined),
    });
    expect(run.observations[2]?.reactions?.map((r) => commandJson(r.command))).toEqual([
      { op: 'guest.wrmsr', vcpu: 0, msr: '0x80f', value: '0x1ff' },
    ]);
  });

  it('services the device, reads TMR, and relies on the broadcast when the TMR bit is set', () => {
    expect(reactions('linux', 'ioapic-0x20', 'level')).toEqual([...taken, readTmr, lapicEoi]);
  });

  it('is idle after the broadcast, still believing it has no directed EOI', () => {
    const { state } = runCommands({ kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'linux' }, [
      ...orderedSetup(undefined),
      rte('level', false) as Command,
      { op: 'device.setLine', pin: 5, level: 1 },
    ]);
    expect(state.guest[0]).toEqual({ phase: 'idle', directed: false });
  });

  it('EOIs the I/O APIC itself when the TMR bit is clear (an edge entry)', () => {
    expect(reactions('linux', 'ioapic-0x11', 'edge')).toEqual([...taken, readTmr, lapicEoi, ioapicEoi]);
  });
});

describe('linux-ir', () => {
  it('always EOIs the I/O APIC after the LAPIC EOI, without reading TMR: the register on 0x20', () => {
    expect(reactions('linux-ir', 'ioapic-0x20', 'level')).toEqual([...taken, lapicEoi, ioapicEoi]);
  });

  it('on 0x11, masks the entry and switches it to edge, then restores it to level and unmasks it', () => {
    expect(reactions('linux-ir', 'ioapic-0x11', 'level')).toEqual([
      ...taken,
      lapicEoi,
      rte('edge', true),
      rte('level', false),
    ]);
  });

  it('is described apart from linux', () => {
    expect(GUESTS.get('linux-ir')?.description).not.toBe(GUESTS.get('linux')?.description);
  });
});
