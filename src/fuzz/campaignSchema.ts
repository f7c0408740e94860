import * as v from 'valibot';
import { POLICIES } from '../scenario/row.js';

const count = v.pipe(v.number(), v.integer(), v.minValue(0));

const configSchema = v.strictObject({ vcpus: count, pins: count });

/** A counterexample's file: a plain *.json name inside the campaign folder, never a path out of it. */
const traceFileName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/, 'must be a *.json file name inside the campaign folder'),
);

const rowSchema = v.strictObject({
  kernel: v.string(),
  vmm: v.string(),
  policy: v.picklist(POLICIES),
  guest: v.string(),
  config: configSchema,
});

/** campaign.json: everything that makes two runs' rows comparable. */
export const campaignKeySchema = v.strictObject({
  format: v.literal('seoib-campaign/1'),
  seed: count,
  budget: v.union([v.strictObject({ runs: count }), v.strictObject({ time: v.string() })]),
  maxCommands: count,
  invariants: v.array(v.string()),
  config: configSchema,
  rows: v.array(v.string()),
});

/** rows/<row>.json: one fuzzed row. */
export const rowRecordSchema = v.strictObject({
  position: count,
  row: rowSchema,
  runs: count,
  commands: count,
  refused: count,
  found: v.array(
    v.strictObject({
      violation: v.strictObject({
        invariant: v.string(),
        index: count,
        reaction: v.nullable(count),
        detail: v.string(),
        expected: v.nullable(v.string()),
      }),
      commands: count,
      run: count,
      file: traceFileName,
    }),
  ),
  visited: v.array(v.string()),
});

export type CampaignKey = v.InferOutput<typeof campaignKeySchema>;

/** results.json: the campaign and its recorded rows. */
export const campaignResultsSchema = v.strictObject({
  campaign: campaignKeySchema,
  complete: v.boolean(),
  rows: v.array(rowRecordSchema),
});
