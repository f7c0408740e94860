import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lapicMachine, wrmsrEvent } from '../../machines/lapic.js';
import { forgetMemos, memo } from '../../machines/memo.js';
import { runTrace } from '../../src/check/runTrace.js';
import { advance, start } from '../../src/model/drive.js';
import { parseTrace } from '../../src/model/trace.js';

describe('memo', () => {
  it('hands out what make() built until forgetMemos(), then builds it afresh once', () => {
    let built = 0;
    const table = memo(() => ({ built: ++built }));
    const first = table();
    expect(table()).toBe(first);
    forgetMemos();
    const second = table();
    expect(second).not.toBe(first);
    expect(table()).toBe(second);
    expect(built).toBe(2);
  });
});

describe('forgetMemos', () => {
  it("drops drive.ts's answers and initial snapshots, and a WRMSR event, without changing them", () => {
    const lapic = start(lapicMachine, { id: 0, inKernel: true, rescansStaleEoi: true });
    const vm = { irqchip: 'split', seoib: 'quirked' } as never;
    const event = wrmsrEvent(0x80f, 0x1ff, false, vm);
    const answer = advance(lapicMachine, lapic, event);
    forgetMemos();
    const again = start(lapicMachine, { id: 0, inKernel: true, rescansStaleEoi: true });
    expect(again).toEqual(lapic);
    expect(wrmsrEvent(0x80f, 0x1ff, false, vm)).not.toBe(event);
    const recomputed = advance(lapicMachine, again, wrmsrEvent(0x80f, 0x1ff, false, vm));
    expect(recomputed).not.toBe(answer);
    expect(recomputed).toEqual(answer);
  });

  it('changes nothing a corpus trace replays to', () => {
    const file = join(
      import.meta.dirname,
      '..',
      'corpus',
      'found',
      'no-storm--upstream--ioapic-0x20--none--credential-guard.json',
    );
    const trace = parseTrace(readFileSync(file, 'utf8'), file);
    const warm = runTrace(trace);
    forgetMemos();
    expect(runTrace(trace)).toEqual(warm);
  });
});
