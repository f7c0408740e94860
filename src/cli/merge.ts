import { join } from 'node:path';
import { CampaignStore } from '../fuzz/campaignStore.js';
import type { RowRecord } from '../fuzz/rowRecord.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { readInputFile } from '../io/inputFile.js';
import { matrixTable } from '../scenario/matrix.js';
import { type CliIo, UsageError } from './io.js';
import { claimOut, failOn, writableFolder } from './optionValues.js';
import { verdict } from './verdict.js';

/**
 * `seoib merge`: combines the campaign folders of a campaign's shards (same seed, budget and rows) into `out`,
 * counterexample traces included; `results.json` there is what the unsharded campaign writes.
 */
export function merge(
  io: CliIo,
  folders: readonly string[],
  options: { out: string; failOn?: string },
): number {
  const { out } = options;
  const mode = failOn(options.failOn);
  const shards = folders.map((folder) => CampaignStore.read(folder, writeFileAtomic));
  const [first] = shards;
  if (first === undefined) throw new UsageError('merge: name at least one campaign folder');
  const key = JSON.stringify(first.campaign);
  const records = new Map<number, { record: RowRecord; folder: string }>();
  for (const shard of shards) {
    if (JSON.stringify(shard.campaign) !== key) {
      throw new UsageError(
        `${join(shard.folder, 'campaign.json')}: $: another campaign than ${join(first.folder, 'campaign.json')} (seed, budget, invariants, config or rows differ)`,
      );
    }
    for (const [position, record] of shard.records()) records.set(position, { record, folder: shard.folder });
  }
  writableFolder(out);
  const release = claimOut(out);
  try {
    const { store } = CampaignStore.open(out, first.campaign, writeFileAtomic);
    for (const { record, folder } of records.values()) {
      for (const found of record.found) {
        writeFileAtomic(join(out, found.file), readInputFile(join(folder, found.file)));
      }
      store.saveRow(record);
    }
    const results = store.saveResults();
    const missing = first.campaign.rows.filter((_, position) => !records.has(position));
    io.out(
      `merged ${results.rows.length} of ${first.campaign.rows.length} rows from ${folders.length} folder(s) into ${out}\n`,
    );
    for (const row of missing) io.out(`  missing: ${row}\n`);
    io.out(`\n${matrixTable(results.rows)}\n`);
    const judged = verdict(
      { violations: results.rows.flatMap((r) => r.found).map((f) => f.violation) },
      mode,
    );
    io.out(`\n${judged.line}\n`);
    return judged.code;
  } finally {
    release();
  }
}
