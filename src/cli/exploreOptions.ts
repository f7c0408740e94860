import type { FailOn } from '../invariants/failOn.js';
import { GUESTS } from '../model/guests/index.js';
import { KERNELS } from '../model/kernels.js';
import { VMMS } from '../model/vmms.js';
import { POLICIES, type Policy, type Row } from '../scenario/row.js';
import {
  failOn,
  failOnFlag,
  integer,
  type RawRowOptions,
  rowFlags,
  selectRows,
  writableFolder,
} from './optionValues.js';

/** `seoib explore` and `seoib matrix` options as commander hands them over (strings). */
export interface RawExploreOptions extends RawRowOptions {
  matrix?: boolean;
  depth: string;
  maxStates: string;
  vcpus: string;
  pins: string;
  symmetry: boolean;
  out: string;
  workers: string;
  json: boolean;
  failOn?: string;
}

/** Validated exploration options. */
export interface ExploreCliOptions {
  /** Rows to explore, in order. */
  rows: Row[];
  /** Commands after setup, at most. */
  depth: number;
  /** Distinct states per row, at most. */
  maxStates: number;
  /** Merge states equal up to renaming vCPUs and pins. */
  symmetry: boolean;
  /** Output folder for traces (and the matrix files). */
  out: string;
  /** Worker threads, a row each. */
  workers: number;
  /** One JSON object on stdout. */
  json: boolean;
  /** Which violations (and whether deadlocks) make the run exit 1. */
  failOn: FailOn;
  /** The command line that repeats this run. */
  replay: string;
}

/** The bounds exhaustive search supports: its state key packs at most 3 vCPUs and 3 pins. */
export const EXPLORE_LIMITS = { vcpus: 3, pins: 3 } as const;

/** Named guests: the matrix answers for real guests unless asked for the adversarial one too. */
const PROFILE_GUESTS = [...GUESTS.keys()].filter((g) => g !== 'adversarial');
/** Ordered setup policies: which flag the VMM sets, the question the matrix answers. */
const SETUP_POLICIES = POLICIES.filter((p) => p !== 'adversarial');

/** Validates everything before any work. `command` decides the defaults: one row, or the whole matrix. */
export function parseExploreOptions(
  raw: RawExploreOptions,
  command: 'explore' | 'matrix',
): ExploreCliOptions {
  const all = command === 'matrix' || raw.matrix === true;
  const config = {
    vcpus: integer('vcpus', raw.vcpus, 1, EXPLORE_LIMITS.vcpus),
    pins: integer('pins', raw.pins, 1, EXPLORE_LIMITS.pins),
  };
  const rows = selectRows(
    raw,
    {
      kernels: all ? [...KERNELS.keys()] : ['upstream'],
      vmms: all ? [...VMMS.keys()] : ['ioapic-0x20'],
      policies: command === 'matrix' ? SETUP_POLICIES : all ? POLICIES : (['adversarial'] as Policy[]),
      guests: command === 'matrix' ? PROFILE_GUESTS : all ? [...GUESTS.keys()] : ['adversarial'],
    },
    config,
  );
  const depth = integer('depth', raw.depth, 0, 1000);
  const maxStates = integer('max-states', raw.maxStates, 1, 100_000_000);
  const workers = integer('workers', raw.workers, 1, 256);
  const mode = failOn(raw.failOn);
  writableFolder(raw.out);
  const replay = [
    `seoib ${command}`,
    ...rowFlags(raw),
    ...(raw.matrix === true ? ['--matrix'] : []),
    '--depth',
    String(depth),
    '--max-states',
    String(maxStates),
    '--vcpus',
    String(config.vcpus),
    '--pins',
    String(config.pins),
    ...(raw.symmetry ? [] : ['--no-symmetry']),
    '--out',
    raw.out,
    ...(workers === 1 ? [] : ['--workers', String(workers)]),
    ...failOnFlag(mode),
  ].join(' ');
  return {
    rows,
    depth,
    maxStates,
    symmetry: raw.symmetry,
    out: raw.out,
    workers,
    json: raw.json,
    failOn: mode,
    replay,
  };
}
