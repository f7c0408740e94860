import { randomInt } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { POLICIES, type Policy, type Row } from '../fuzz/row.js';
import { INVARIANT_IDS } from '../invariants/index.js';
import { CONFIG_LIMITS } from '../model/config.js';
import { GUESTS } from '../model/guests/index.js';
import { KERNELS } from '../model/kernels.js';
import { VMMS } from '../model/vmms.js';
import { UsageError } from './io.js';

/** `seoib fuzz` options as commander hands them over (strings). */
export interface RawFuzzOptions {
  kernel?: string;
  vmm?: string;
  policy?: string;
  guest?: string;
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
  /** The command line that replays this campaign. */
  replay: string;
}

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${flag}: "${text}" must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (match === null || Number(match[1]) <= 0)
    throw new UsageError(`--time: "${text}" must be a duration like 500ms, 30s, 2m`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

function list(
  flag: string,
  text: string | undefined,
  known: readonly string[],
  fallback: readonly string[],
  noun = flag,
): string[] {
  if (text === undefined) return [...fallback];
  if (text === 'all') return [...known];
  const names = text.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!known.includes(name))
      throw new UsageError(`--${flag}: unknown ${noun} "${name}" (known: ${known.join(', ')}, all)`);
  }
  return names;
}

function writableFolder(out: string): void {
  try {
    mkdirSync(out, { recursive: true });
    accessSync(out, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `--out: ${out}: cannot write there (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** Validates everything before any work, so bad input leaves nothing behind (but an empty --out folder). */
export function parseFuzzOptions(raw: RawFuzzOptions): FuzzOptions {
  const all = raw.matrix;
  const kernels = list('kernel', raw.kernel, [...KERNELS.keys()], all ? [...KERNELS.keys()] : ['upstream']);
  const vmms = list('vmm', raw.vmm, [...VMMS.keys()], all ? [...VMMS.keys()] : ['ioapic-0x20']);
  const policies = list('policy', raw.policy, POLICIES, all ? POLICIES : ['adversarial']) as Policy[];
  const guests = list('guest', raw.guest, [...GUESTS.keys()], all ? [...GUESTS.keys()] : ['adversarial']);
  const invariants = list('invariants', raw.invariants, INVARIANT_IDS, INVARIANT_IDS, 'invariant');
  const config = {
    vcpus: integer('vcpus', raw.vcpus, CONFIG_LIMITS.vcpus.min, CONFIG_LIMITS.vcpus.max),
    pins: integer('pins', raw.pins, Math.max(2, CONFIG_LIMITS.pins.min), CONFIG_LIMITS.pins.max),
  };
  const seed = raw.seed === undefined ? randomInt(2 ** 31) : integer('seed', raw.seed, 0, 2 ** 31 - 1);
  const runs = raw.runs === undefined ? 200 : integer('runs', raw.runs, 1, 10_000_000);
  const timeMs = raw.time === undefined ? undefined : duration(raw.time);
  const maxCommands = integer('max-commands', raw.maxCommands, 1, 1000);
  writableFolder(raw.out);
  const rows: Row[] = [];
  for (const kernel of kernels)
    for (const vmm of vmms)
      for (const policy of policies)
        for (const guest of guests) rows.push({ kernel, vmm, policy, guest, config });
  const replay = [
    'seoib fuzz',
    ...(raw.kernel === undefined ? [] : ['--kernel', raw.kernel]),
    ...(raw.vmm === undefined ? [] : ['--vmm', raw.vmm]),
    ...(raw.policy === undefined ? [] : ['--policy', raw.policy]),
    ...(raw.guest === undefined ? [] : ['--guest', raw.guest]),
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
    replay,
  };
}
