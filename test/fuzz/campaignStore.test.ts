import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CampaignKey, CampaignStore } from '../../src/fuzz/campaignStore.js';
import type { RowRecord } from '../../src/fuzz/rowRecord.js';
import { writeFileAtomic } from '../../src/io/atomicWrite.js';
import { TraceInputError } from '../../src/model/trace.js';
import { makeRow, rowName } from '../../src/scenario/row.js';

const rows = [
  makeRow('upstream', 'ioapic-0x20', 'none', 'linux'),
  makeRow('legacy', 'ioapic-0x11', 'enable', 'linux'),
];
const campaign: CampaignKey = {
  format: 'seoib-campaign/1',
  seed: 3,
  budget: { runs: 10 },
  maxCommands: 30,
  invariants: ['no-storm'],
  config: { vcpus: 1, pins: 2 },
  rows: rows.map(rowName),
};

function record(position: number): RowRecord {
  return {
    position,
    row: rows[position] as RowRecord['row'],
    runs: 10,
    commands: 99,
    refused: 1,
    found: [],
    visited: ['x'],
  };
}

const folder = () => mkdtempSync(join(tmpdir(), 'seoib-store-'));

describe('CampaignStore', () => {
  it('keeps finished rows for a rerun of the same campaign and writes results in selection order', () => {
    const dir = folder();
    const first = CampaignStore.open(dir, campaign, writeFileAtomic);
    expect(first.replaced).toBe(false);
    first.store.saveRow(record(1));
    expect(first.store.saveResults()).toEqual({ campaign, complete: false, rows: [record(1)] });
    const again = CampaignStore.open(dir, campaign, writeFileAtomic);
    expect([...again.store.records().keys()]).toEqual([1]);
    again.store.saveRow(record(0));
    const results = again.store.saveResults();
    expect(results.complete).toBe(true);
    expect(results.rows.map((r) => r.position)).toEqual([0, 1]);
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))).toEqual(results);
  });

  it('starts over when the folder holds another campaign, and says so', () => {
    const dir = folder();
    CampaignStore.open(dir, campaign, writeFileAtomic).store.saveRow(record(0));
    const other = CampaignStore.open(dir, { ...campaign, seed: 4 }, writeFileAtomic);
    expect(other.replaced).toBe(true);
    expect(other.store.records().size).toBe(0);
  });

  it('reports a malformed row record with its file and JSON path', () => {
    const dir = folder();
    const { store } = CampaignStore.open(dir, campaign, writeFileAtomic);
    store.saveRow(record(0));
    const file = join(dir, 'rows', 'row--upstream--ioapic-0x20--none--linux.json');
    writeFileSync(file, JSON.stringify({ ...record(0), runs: -1 }));
    expect(() => store.records()).toThrow(
      new TraceInputError(file, '$.runs', 'Invalid value: Expected >=0 but received -1'),
    );
    writeFileSync(file, JSON.stringify({ ...record(0), position: 1 }));
    expect(() => store.records()).toThrow(
      /\$\.position: row upstream\/ioapic-0x20\/none\/linux is not at this position/,
    );
  });

  it('reads only folders that hold a campaign', () => {
    const dir = folder();
    expect(() => CampaignStore.read(dir, writeFileAtomic)).toThrow(/campaign\.json: \$: no campaign here/);
    CampaignStore.open(dir, campaign, writeFileAtomic);
    expect(CampaignStore.read(dir, writeFileAtomic).campaign).toEqual(campaign);
    expect(existsSync(join(dir, 'rows'))).toBe(true);
  });
});
