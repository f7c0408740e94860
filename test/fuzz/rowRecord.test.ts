import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrace } from '../../src/check/runTrace.js';
import { fuzzRowRecord } from '../../src/fuzz/rowRecord.js';
import { parseTrace } from '../../src/model/trace.js';
import { makeRow } from '../../src/scenario/row.js';

const storm = makeRow('upstream', 'ioapic-0x20', 'none', 'credential-guard');

describe('fuzzRowRecord (seed 13)', () => {
  it('writes each counterexample as a replayable trace and records its file name, runs and coverage', () => {
    const written = new Map<string, string>();
    const record = fuzzRowRecord(storm, 7, { seed: 13, runs: 100, maxCommands: 30 }, 'out', (path, text) =>
      written.set(path, text),
    );
    expect(record.position).toBe(7);
    expect(record.runs).toBeGreaterThan(0);
    const storms = record.found.filter((f) => f.violation.invariant === 'no-storm');
    expect(storms).toHaveLength(1);
    const [found] = storms;
    expect(found?.file).toBe('no-storm--upstream--ioapic-0x20--none--credential-guard.json');
    const text = written.get(join('out', found?.file ?? '')) ?? '';
    const run = runTrace(parseTrace(text, 'storm.json'));
    expect(run.mismatches).toEqual([]);
    expect(run.violations.map((v) => v.invariant)).toContain('no-storm');
    expect(found?.commands).toBe(parseTrace(text, 'storm.json').commands.length);
    expect(record.visited).toEqual([...record.visited].sort());
    expect(record.visited.length).toBeGreaterThan(10);
  });

  it('depends on the campaign seed and the row only', () => {
    const budget = { seed: 5, runs: 40, maxCommands: 20 };
    const ignore = () => undefined;
    expect(fuzzRowRecord(storm, 0, budget, 'a', ignore)).toEqual(
      fuzzRowRecord(storm, 0, budget, 'b', ignore),
    );
  });
});
