import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { campaignKeySchema } from '../fuzz/campaignSchema.js';
import { type CampaignKey, readJson } from '../fuzz/campaignStore.js';
import { parseShard, type Shard, shardFromEnvironment, WHOLE as WHOLE_CAMPAIGN } from '../fuzz/shard.js';
import type { FailOn } from '../invariants/failOn.js';
import { INVARIANT_IDS } from '../invariants/index.js';
import { CONFIG_LIMITS } from '../model/config.js';
import { GUESTS } from '../model/guests/index.js';
import { KERNELS } from '../model/kernels.js';
import { VMMS } from '../model/vmms.js';
import { POLICIES, type Row, rowName } from '../scenario/row.js';
import { UsageError } from './io.js';
import {
  duration,
  failOn,
  failOnFlag,
  integer,
  list,
  type RawRowOptions,
  rowFlags,
  selectRows,
  writableFolder,
} from './optionValues.js';

/** `seoib fuzz` options as commander hands them over (strings). */
export interface RawFuzzOptions extends RawRowOptions {
  invariants?: string;
  matrix: boolean;
  seed?: string;
  runs?: string;
  time?: string;
  maxCommands: string;
  vcpus: string;
  pins: string;
  out: string;
  json: boolean;
  shard?: string;
  workers: string;
  failOn?: string;
}

/** Validated `seoib fuzz` options. */
export interface FuzzOptions {
  /** Rows to fuzz, in order. */
  rows: Row[];
  /** Invariants to hunt. */
  invariants: string[];
  /** Print the matrix table. */
  matrix: boolean;
  /** Campaign seed. */
  seed: number;
  /** Generated runs per row (when no --time). */
  runs: number;
  /** Total wall-time budget in ms, split evenly over rows. */
  timeMs: number | undefined;
  /** Choices per run at most. */
  maxCommands: number;
  /** Output folder for counterexamples. */
  out: string;
  /** One JSON object on stdout. */
  json: boolean;
  /** The part of the rows this process runs. */
  shard: Shard;
  /** Worker threads. */
  workers: number;
  /** What makes this campaign's rows comparable with another run's (campaign.json). */
  campaign: CampaignKey;
  /** Which violations make the run exit 1. */
  failOn: FailOn;
  /** The command line that replays this campaign. */
  replay: string;
}

/** The seed of the campaign a folder holds, so the same command without --seed resumes it. */
function recordedSeed(out: string): number | undefined {
  const file = join(out, 'campaign.json');
  return existsSync(file) ? readJson(file, campaignKeySchema).seed : undefined;
}

/** Validates everything before any work, so bad input leaves nothing behind (but an empty --out folder). */
export function parseFuzzOptions(raw: RawFuzzOptions): FuzzOptions {
  const all = raw.matrix;
  const invariants = list('invariants', raw.invariants, INVARIANT_IDS, INVARIANT_IDS, 'invariant');
  const config = {
    vcpus: integer('vcpus', raw.vcpus, CONFIG_LIMITS.vcpus.min, CONFIG_LIMITS.vcpus.max),
    pins: integer('pins', raw.pins, Math.max(2, CONFIG_LIMITS.pins.min), CONFIG_LIMITS.pins.max),
  };
  if (raw.runs !== undefined && raw.time !== undefined)
    throw new UsageError('--runs and --time: give one budget, runs per row or a total time');
  const seed =
    raw.seed === undefined
      ? (recordedSeed(raw.out) ?? randomInt(2 ** 31))
      : integer('seed', raw.seed, 0, 2 ** 31 - 1);
  const runs = raw.runs === undefined ? 200 : integer('runs', raw.runs, 1, 10_000_000);
  const timeMs = raw.time === undefined ? undefined : duration(raw.time);
  const maxCommands = integer('max-commands', raw.maxCommands, 1, 1000);
  const rows = selectRows(
    raw,
    {
      kernels: all ? [...KERNELS.keys()] : ['upstream'],
      vmms: all ? [...VMMS.keys()] : ['ioapic-0x20'],
      policies: all ? POLICIES : ['adversarial'],
      guests: all ? [...GUESTS.keys()] : ['adversarial'],
    },
    config,
  );
  const shardText = raw.shard ?? shardFromEnvironment(process.env);
  const shard = shardText === undefined ? WHOLE_CAMPAIGN : parseShard(shardText);
  if (shard === undefined) {
    const source = raw.shard === undefined ? 'JOB_COMPLETION_INDEX/JOB_COMPLETION_COUNT' : '--shard';
    throw new UsageError(`${source}: "${shardText}" must be K/N with 1 <= K <= N`);
  }
  const workers = integer('workers', raw.workers, 1, 256);
  const mode = failOn(raw.failOn);
  writableFolder(raw.out);
  const campaign: CampaignKey = {
    format: 'seoib-campaign/1',
    seed,
    budget: timeMs === undefined ? { runs } : { time: raw.time as string },
    maxCommands,
    invariants,
    config,
    rows: rows.map(rowName),
  };
  const replay = [
    'seoib fuzz',
    ...rowFlags(raw),
    ...(raw.invariants === undefined ? [] : ['--invariants', raw.invariants]),
    ...(raw.matrix ? ['--matrix'] : []),
    '--seed',
    String(seed),
    ...(timeMs === undefined ? ['--runs', String(runs)] : ['--time', raw.time as string]),
    '--max-commands',
    String(maxCommands),
    '--vcpus',
    String(config.vcpus),
    '--pins',
    String(config.pins),
    '--out',
    raw.out,
    ...(shard.count === 1 ? [] : ['--shard', `${shard.index}/${shard.count}`]),
    ...(workers === 1 ? [] : ['--workers', String(workers)]),
    ...failOnFlag(mode),
  ].join(' ');
  return {
    rows,
    invariants,
    matrix: raw.matrix,
    seed,
    runs,
    timeMs,
    maxCommands,
    out: raw.out,
    json: raw.json,
    shard,
    workers,
    campaign,
    failOn: mode,
    replay,
  };
}
