import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadReport } from '../../src/report/reportData.js';
import { stormCampaign } from './campaignFixture.js';

let folder: string;
beforeAll(async () => {
  folder = await stormCampaign();
});

describe('loadReport (campaign seed 13)', () => {
  it('reads the rows, replays each counterexample into a sequence and places each find on the campaign runs', () => {
    const data = loadReport(join(folder, 'results.json'));
    expect(data.matrix.map((m) => m.row)).toEqual([
      'upstream/ioapic-0x20/none/credential-guard',
      'upstream/ioapic-0x20/disable/credential-guard',
    ]);
    expect(data.matrix[0]?.verdicts['no-storm']).toBe('expected');
    expect(data.matrix[1]?.verdicts['no-storm']).toBe('clean');
    const storm = data.counterexamples.find((c) => c.invariant === 'no-storm');
    expect(storm?.arrows.some((a) => a.violating)).toBe(true);
    expect(data.totalRuns).toBe(data.results.rows.reduce((sum, r) => sum + r.runs, 0));
    expect(data.discoveries).toHaveLength(data.counterexamples.length);
    expect(data.discoveries.every((d) => d.runs >= 1 && d.runs <= data.totalRuns)).toBe(true);
    expect(data.coverage.states.reached).toBeGreaterThan(10);
  });

  it('refuses a malformed results.json naming the JSON path', () => {
    const file = join(folder, 'results.json');
    const results = JSON.parse(readFileSync(file, 'utf8'));
    results.rows[0].found[0].run = 'soon';
    const broken = join(folder, 'broken.json');
    writeFileSync(broken, JSON.stringify(results));
    expect(() => loadReport(broken)).toThrow(`${broken}: $.rows[0].found[0].run: `);
  });
});
