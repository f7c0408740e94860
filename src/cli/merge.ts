import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CampaignStore } from '../fuzz/campaignStore.js';
import { matrixTable } from '../fuzz/matrix.js';
import type { RowRecord } from '../fuzz/rowRecord.js';
import { writeFileAtomic } from './atomicWrite.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import { writableFolder } from './optionValues.js';

/**
 * `seoib merge`: combines the campaign folders of a campaign's shards (same seed, budget and rows) into `out`,
 * counterexample traces included; `results.json` there is what the unsharded campaign writes.
 */
export function merge(io: CliIo, folders: readonly string[], out: string): number {
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
  const { store } = CampaignStore.open(out, first.campaign, writeFileAtomic);
  for (const { record, folder } of records.values()) {
    for (const found of record.found) {
      writeFileAtomic(join(out, found.file), readFileSync(join(folder, found.file), 'utf8'));
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
  const unexpected = results.rows.flatMap((r) => r.found).filter((f) => f.violation.expected === null);
  io.out(
    `\n${unexpected.length === 0 ? 'no unexpected violation' : `${unexpected.length} UNEXPECTED violation(s)`}\n`,
  );
  return unexpected.length > 0 ? EXIT.failed : EXIT.ok;
}
