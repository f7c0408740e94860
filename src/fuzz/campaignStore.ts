import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type * as v from 'valibot';
import { readInputFile } from '../io/inputFile.js';
import { parseJsonText, TraceInputError } from '../model/trace.js';
import { rowName } from '../scenario/row.js';
import { type CampaignKey, campaignKeySchema, rowRecordSchema } from './campaignSchema.js';
import { rowFile } from './counterexample.js';
import type { RowRecord } from './rowRecord.js';

export type { CampaignKey } from './campaignSchema.js';

/** What `results.json` holds: the campaign, every row recorded so far in selection order, and the coverage. */
export interface CampaignResults {
  /** The campaign the rows belong to. */
  campaign: CampaignKey;
  /** Whether every row of the selection is recorded. */
  complete: boolean;
  /** Row records sorted by position. */
  rows: RowRecord[];
}

const ROWS = 'rows';

/** Reads a JSON file the campaign wrote; a malformed one is bad input naming the file and the JSON path. */
export function readJson<T>(file: string, schema: v.GenericSchema<unknown, T>): T {
  return parseJsonText(readInputFile(file), file, schema);
}

const sameCampaign = (a: CampaignKey, b: CampaignKey) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A campaign folder: `campaign.json`, one `rows/<row>.json` per finished row, the counterexample traces, and
 * `results.json`. Every file is written whole or not at all, and a row's record only after its counterexamples,
 * so an interrupted campaign rerun into the same folder keeps every finished row and continues with the rest.
 */
export class CampaignStore {
  private constructor(
    /** The folder. */
    readonly folder: string,
    /** The campaign it holds. */
    readonly campaign: CampaignKey,
    private readonly write: (path: string, text: string) => void,
  ) {}

  /**
   * Opens `folder` for `campaign`. A folder holding another campaign's rows is started over (its counterexample
   * traces stay); `replaced` says so.
   */
  static open(
    folder: string,
    campaign: CampaignKey,
    write: (path: string, text: string) => void,
  ): { store: CampaignStore; replaced: boolean } {
    const keyFile = join(folder, 'campaign.json');
    const replaced = existsSync(keyFile) && !sameCampaign(readJson(keyFile, campaignKeySchema), campaign);
    if (replaced) rmSync(join(folder, ROWS), { recursive: true, force: true });
    mkdirSync(join(folder, ROWS), { recursive: true });
    write(keyFile, `${JSON.stringify(campaign, null, 2)}\n`);
    return { store: new CampaignStore(folder, campaign, write), replaced };
  }

  /** Opens an existing campaign folder for reading. */
  static read(folder: string, write: (path: string, text: string) => void): CampaignStore {
    const keyFile = join(folder, 'campaign.json');
    if (!existsSync(keyFile)) {
      throw new TraceInputError(keyFile, '$', 'no campaign here (seoib fuzz writes campaign.json)');
    }
    return new CampaignStore(folder, readJson(keyFile, campaignKeySchema), write);
  }

  /** The finished rows, by position. */
  records(): Map<number, RowRecord> {
    const records = new Map<number, RowRecord>();
    const dir = join(this.folder, ROWS);
    if (!existsSync(dir)) return records;
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const file = join(dir, name);
      const record = readJson(file, rowRecordSchema) as RowRecord;
      if (this.campaign.rows[record.position] !== rowName(record.row)) {
        throw new TraceInputError(
          file,
          '$.position',
          `row ${rowName(record.row)} is not at this position in campaign.json`,
        );
      }
      records.set(record.position, record);
    }
    return records;
  }

  /** Records a finished row (its counterexample files must already be written). */
  saveRow(record: RowRecord): void {
    this.write(rowFile(join(this.folder, ROWS), 'row', record.row), `${JSON.stringify(record)}\n`);
  }

  /** Writes `results.json` from every recorded row and returns it. */
  saveResults(): CampaignResults {
    const rows = [...this.records().values()].sort((a, b) => a.position - b.position);
    const results = { campaign: this.campaign, complete: rows.length === this.campaign.rows.length, rows };
    this.write(join(this.folder, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    return results;
  }
}
