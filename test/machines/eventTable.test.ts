import { describe, expect, it } from 'vitest';
import { eventTable } from '../../machines/eventTable.js';
import { eoiEvent, SET_LINE, writeRteEvent } from '../../machines/ioapicPin.js';
import { deliverEvent, scanRoutesEvent, wrmsrEvent } from '../../machines/lapic.js';
import { forgetMemos } from '../../machines/memo.js';
import type { VmValue } from '../../machines/vm.js';

/** A table of SET_LINE events that counts the events it builds. */
function countingLines() {
  const counter = { built: 0 };
  const line = eventTable(
    (level: boolean) => (level ? 1 : 0),
    (level: boolean) => {
      counter.built++;
      return { type: 'SET_LINE', level };
    },
  );
  return { line, counter };
}

describe('eventTable: one frozen event per key', () => {
  it('builds an event once per key and hands out that one object, frozen', () => {
    const { line, counter } = countingLines();
    const up = line(true);
    expect(line(true)).toBe(up);
    expect(Object.isFrozen(up)).toBe(true);
    expect(line(false)).toEqual({ type: 'SET_LINE', level: false });
    expect(counter.built).toBe(2);
  });

  it('builds its events afresh after forgetMemos()', () => {
    const { line, counter } = countingLines();
    const up = line(true);
    forgetMemos();
    expect(line(true)).not.toBe(up);
    expect(line(true)).toEqual(up);
    expect(counter.built).toBe(2);
  });

  it('tells entry writes apart by every field, and finds equal ones built apart', () => {
    const entry = { vector: 64, dest: 1, trigger: 'level', masked: false } as const;
    expect(writeRteEvent({ ...entry })).toBe(writeRteEvent({ ...entry }));
    const others = [
      { ...entry, vector: 80 },
      { ...entry, dest: 0 },
      { ...entry, trigger: 'edge' as const },
      { ...entry, masked: true },
      { ...entry, vector: 0, dest: 2 },
    ].map((e) => writeRteEvent(e));
    expect(new Set([writeRteEvent(entry), ...others]).size).toBe(6);
    expect(others[4]).toEqual({ type: 'WRITE_RTE', vector: 0, dest: 2, trigger: 'level', masked: false });
  });

  it('tells scans apart by which list a vector is in', () => {
    expect(scanRoutesEvent([64, 80], [])).toBe(scanRoutesEvent([64, 80], []));
    expect(scanRoutesEvent([64], [80])).not.toBe(scanRoutesEvent([64, 80], []));
    expect(scanRoutesEvent([1, 11], [])).not.toBe(scanRoutesEvent([111], []));
    expect(scanRoutesEvent([], [64, 80])).toEqual({ type: 'SCAN_ROUTES', targeted: [], elsewhere: [64, 80] });
  });
});

describe('the tabled events of the wiring', () => {
  it('gives one frozen DELIVER per vector and trigger, one EOI per vector and source', () => {
    expect(deliverEvent(64, true)).toBe(deliverEvent(64, true));
    expect(deliverEvent(64, false)).toEqual({ type: 'DELIVER', vector: 64, level: false });
    expect(deliverEvent(65, false)).not.toBe(deliverEvent(64, true));
    expect(eoiEvent(80, 'register')).toBe(eoiEvent(80, 'register'));
    expect(eoiEvent(80, 'broadcast')).toEqual({ type: 'EOI', vector: 80, source: 'broadcast' });
    expect(eoiEvent(81, 'broadcast')).not.toBe(eoiEvent(80, 'register'));
    expect(SET_LINE.up).toEqual({ type: 'SET_LINE', level: true });
    expect(Object.isFrozen(SET_LINE.down)).toBe(true);
  });

  it('gives one frozen WRMSR per MSR, value, high bits and VM state value object', () => {
    const vm: VmValue = { irqchip: 'split', seoib: 'enabled', vcpus: 'some' };
    const eoi = wrmsrEvent(0x80b, 0, false, vm);
    expect(eoi).toEqual({ type: 'WRMSR', msr: 0x80b, value: 0, highBits: false, vm });
    expect(Object.isFrozen(eoi)).toBe(true);
    expect(wrmsrEvent(0x80b, 0, false, vm)).toBe(eoi);
    const others = [
      wrmsrEvent(0x80f, 0, false, vm),
      wrmsrEvent(0x80b, 1, false, vm),
      wrmsrEvent(0x80b, 0, true, vm),
      wrmsrEvent(0x80b, 0, false, { ...vm }),
      wrmsrEvent(0x80a, 0, true, vm),
      wrmsrEvent(0x80c, 0, false, vm),
      wrmsrEvent(0x80b, 2 ** 32 - 1, false, vm),
      wrmsrEvent(0x80c, 2 ** 32 - 1, false, vm),
    ];
    expect(new Set([eoi, ...others]).size).toBe(9);
    expect(others[3]).toEqual(eoi);
  });
});
