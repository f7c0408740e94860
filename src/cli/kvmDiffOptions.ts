import { randomInt } from 'node:crypto';
import { KERNELS } from '../model/kernels.js';
import { UsageError } from './io.js';
import type { KvmDiffOptions } from './kvm.js';
import { integer, list, writableFolder } from './optionValues.js';

/** `seoib kvm diff` options as commander hands them over. */
export interface RawKvmDiffOptions {
  qemu?: string;
  seed?: string;
  runs: string;
  maxCommands: string;
  kernelProfile?: string;
  out: string;
}

/** Validates everything before a kernel is booted. */
export function parseKvmDiffOptions(raw: RawKvmDiffOptions): KvmDiffOptions {
  const seed = raw.seed === undefined ? randomInt(2 ** 31) : integer('seed', raw.seed, 0, 2 ** 31 - 1);
  const runs = integer('runs', raw.runs, 1, 10_000_000);
  const maxCommands = integer('max-commands', raw.maxCommands, 1, 200);
  const profiles =
    raw.kernelProfile === undefined
      ? [undefined]
      : list('kernel-profile', raw.kernelProfile, [...KERNELS.keys()], [], 'kernel profile');
  if (profiles.length !== 1)
    throw new UsageError(`--kernel-profile: the model runs one kernel profile; got ${profiles.length}`);
  const [kernelProfile] = profiles;
  writableFolder(raw.out);
  const replay = [
    'seoib kvm diff',
    ...(raw.qemu === undefined ? [] : ['--qemu', raw.qemu]),
    '--seed',
    String(seed),
    '--runs',
    String(runs),
    '--max-commands',
    String(maxCommands),
    ...(kernelProfile === undefined ? [] : ['--kernel-profile', kernelProfile]),
    '--out',
    raw.out,
  ].join(' ');
  return { seed, runs, maxCommands, kernelProfile, out: raw.out, replay };
}
