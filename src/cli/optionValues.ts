import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FAIL_ON_MODES, type FailOn } from '../invariants/failOn.js';
import { claimFolder } from '../io/folderLock.js';
import type { Config } from '../model/config.js';
import { GUESTS } from '../model/guests/index.js';
import { KERNELS } from '../model/kernels.js';
import { VMMS } from '../model/vmms.js';
import { POLICIES, type Policy, policyApplies, type Row } from '../scenario/row.js';
import { UsageError } from './io.js';

export function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${flag}: "${text}" must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (match === null || Number(match[1]) <= 0)
    throw new UsageError(`--time: "${text}" must be a duration like 500ms, 30s, 2m`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

export function list(
  flag: string,
  text: string | undefined,
  known: readonly string[],
  fallback: readonly string[],
  noun = flag,
): string[] {
  if (text === undefined) return [...fallback];
  if (text === 'all') return [...known];
  const names = text.split(',').map((s) => s.trim());
  for (const [k, name] of names.entries()) {
    if (!known.includes(name))
      throw new UsageError(`--${flag}: unknown ${noun} "${name}" (known: ${known.join(', ')}, all)`);
    if (names.indexOf(name) !== k) throw new UsageError(`--${flag}: ${noun} "${name}" is named twice`);
  }
  return names;
}

/** `--fail-on`: `any` unless told. */
export function failOn(text: string | undefined): FailOn {
  if (text === undefined) return 'any';
  if (!(FAIL_ON_MODES as readonly string[]).includes(text))
    throw new UsageError(`--fail-on: "${text}" must be one of ${FAIL_ON_MODES.join(', ')}`);
  return text as FailOn;
}

/** The `--fail-on` flag for a printed replay command: only when it is not the default. */
export function failOnFlag(mode: FailOn): string[] {
  return mode === 'any' ? [] : ['--fail-on', mode];
}

/**
 * Creates `out` if needed, one level at a time below its nearest existing ancestor (Node's recursive mkdir loops
 * forever under /proc), and checks it is a folder seoib can write into.
 */
export function writableFolder(out: string): void {
  const missing: string[] = [];
  let dir = resolve(out);
  while (!existsSync(dir)) {
    missing.unshift(dir);
    dir = dirname(dir);
  }
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    for (const level of missing) mkdirSync(level);
    if (!statSync(out).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    accessSync(out, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `--out: ${out}: cannot write there (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/**
 * Claims the `--out` folder of a campaign for this process (src/io/folderLock.ts), or refuses while another live
 * seoib process holds it. Returns the release function.
 */
export function claimOut(out: string): () => void {
  const claim = claimFolder(out);
  if ('owner' in claim)
    throw new UsageError(
      `--out: ${out} is in use by seoib process ${claim.owner}; wait for it to finish or choose another folder`,
    );
  return claim.release;
}

/** The profile flags every row-based command takes (strings, as commander hands them over). */
export interface RawRowOptions {
  kernel?: string;
  vmm?: string;
  policy?: string;
  guest?: string;
}

/** Defaults for unnarrowed flags, and whether they mean every profile. */
export interface RowDefaults {
  kernels: readonly string[];
  vmms: readonly string[];
  policies: readonly Policy[];
  guests: readonly string[];
}

/** Every kernel × VMM × policy × guest combination the flags select, in that nesting order. */
export function selectRows(raw: RawRowOptions, defaults: RowDefaults, config: Config): Row[] {
  const kernels = list('kernel', raw.kernel, [...KERNELS.keys()], defaults.kernels);
  const vmms = list('vmm', raw.vmm, [...VMMS.keys()], defaults.vmms);
  const policies = list('policy', raw.policy, POLICIES, defaults.policies) as Policy[];
  const guests = list('guest', raw.guest, [...GUESTS.keys()], defaults.guests);
  const rows: Row[] = [];
  for (const kernel of kernels)
    for (const vmm of vmms)
      for (const policy of policies)
        if (policyApplies(vmm, policy))
          for (const guest of guests) rows.push({ kernel, vmm, policy, guest, config });
  if (rows.length === 0) {
    const native = [...VMMS.keys()].filter((vmm) => policyApplies(vmm, 'native'));
    throw new UsageError(
      `the selection has no row: policy native applies only to VMMs with a setup of their own (${native.join(', ')})`,
    );
  }
  return rows;
}

/** The row flags as given, for the printed replay command. */
export function rowFlags(raw: RawRowOptions): string[] {
  return [
    ...(raw.kernel === undefined ? [] : ['--kernel', raw.kernel]),
    ...(raw.vmm === undefined ? [] : ['--vmm', raw.vmm]),
    ...(raw.policy === undefined ? [] : ['--policy', raw.policy]),
    ...(raw.guest === undefined ? [] : ['--guest', raw.guest]),
  ];
}
