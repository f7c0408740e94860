import { afterEach, describe, expect, it } from 'vitest';
import { MSR } from '../../machines/apic.js';
import { lapicMachine, wrmsrEvent } from '../../machines/lapic.js';
import type { Command } from '../../src/model/command.js';
import { advance, setVisitor, start } from '../../src/model/drive.js';
import { step } from '../../src/model/step.js';
import { bootedSplit, levelPin5, runCommands } from '../helpers.js';

function visitedWhile(work: () => void): string[] {
  const ids: string[] = [];
  setVisitor((visited) => ids.push(...visited));
  try {
    work();
  } finally {
    setVisitor(null);
  }
  return ids;
}

afterEach(() => setVisitor(null));

describe('start', () => {
  it('reports the eventless transition taken on the way in, and the state nodes entered', () => {
    const inKernel = visitedWhile(() =>
      start(lapicMachine, { id: 0, inKernel: true, rescansStaleEoi: true }),
    );
    expect(inKernel).toContain('lapic.apic.absent always #0');
    expect(inKernel).toContain('lapic.apic.present.spiv.bit12Clear');
    const noApic = visitedWhile(() => start(lapicMachine, { id: 0, inKernel: false, rescansStaleEoi: true }));
    expect(noApic).not.toContain('lapic.apic.absent always #0');
    expect(noApic).toContain('lapic.apic.absent');
  });

  it('gives the same snapshot for the same input, and reports its visit every time', () => {
    const first = start(lapicMachine, { id: 3, inKernel: true, rescansStaleEoi: true });
    const visits = visitedWhile(() =>
      expect(start(lapicMachine, { id: 3, inKernel: true, rescansStaleEoi: true })).toBe(first),
    );
    expect(visits).toContain('lapic.apic.absent always #0');
  });
});

describe('advance', () => {
  it('reports the transition an event takes and those of the events its actions raise', () => {
    const profile = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };
    const inService = runCommands(profile, [
      ...bootedSplit(undefined),
      levelPin5,
      { op: 'device.setLine', pin: 5, level: 1 },
      { op: 'guest.acceptInterrupt', vcpu: 0 },
    ]).state;
    const eoiByWrmsr: Command = { op: 'guest.wrmsr', vcpu: 0, msr: 0x80b, value: 0n };
    const ids = visitedWhile(() => step(inService, eoiByWrmsr));
    expect(ids.some((id) => / WRMSR #\d+$/.test(id))).toBe(true);
    expect(ids.some((id) => id.startsWith('lapic.apic.present EOI #'))).toBe(true);
  });

  it('reports the state nodes active after the event, not before', () => {
    const booted = runCommands({ kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' }, [
      ...bootedSplit(undefined),
    ]).state;
    expect(booted.lapics[0]?.value).toMatchObject({ apic: { present: { spiv: 'bit12Clear' } } });
    const lapic = booted.lapics[0] as NonNullable<(typeof booted.lapics)[number]>;
    const ids = visitedWhile(() =>
      advance(lapicMachine, lapic, wrmsrEvent(MSR.spiv, 0x11ff, false, booted.vm.value)),
    );
    expect(ids).toContain('lapic.apic.present.spiv.bit12Set');
    expect(ids).not.toContain('lapic.apic.present.spiv.bit12Clear');
  });

  it('answers an equal snapshot built elsewhere from the same memo, and gives interned next snapshots', () => {
    const reset = start(lapicMachine, { id: 0, inKernel: true, rescansStaleEoi: true });
    const answer = advance(lapicMachine, reset, { type: 'INIT', advertise: true });
    const copy = structuredClone(reset);
    expect(advance(lapicMachine, copy, { type: 'INIT', advertise: true })).toBe(answer);
    const again = advance(lapicMachine, answer.next, { type: 'INIT', advertise: true });
    expect(advance(lapicMachine, structuredClone(answer.next), { type: 'INIT', advertise: true }).next).toBe(
      again.next,
    );
  });
});
