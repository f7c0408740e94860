/**
 * Spin (Debian package `spin`) on a model of bench/promela/: compiled once with gcc for breadth-first search, then
 * run to any depth, reading its own counters.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand } from '../src/io/hasCommand.js';

/** What one Spin run printed. */
export interface SpinRun {
  /** Distinct states stored. */
  states: number;
  /** Its elapsed time. */
  seconds: number;
  /** Its total memory. */
  megabytes: number;
}

/** Installs spin with apt-get when missing; why it is still missing, or undefined. */
function installSpin(): string | undefined {
  if (hasCommand('spin')) return undefined;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  try {
    const [command, ...args] = [...sudo, 'apt-get', 'install', '-y', 'spin'];
    execFileSync(command as string, args, { stdio: 'ignore', timeout: 300_000 });
    return undefined;
  } catch (error) {
    return `apt-get install spin failed (${(error as Error).message.split('\n')[0]})`;
  }
}

// bench/promela/, from bench/ (the sources, as vitest runs them) or dist/bench/ (built).
const PROMELA = [
  join(import.meta.dirname, 'promela'),
  join(import.meta.dirname, '..', '..', 'bench', 'promela'),
].find((dir) => existsSync(dir)) as string;

/**
 * A runner of bench/promela/<name>.pml, breadth-first to a depth (the models' initial values are the state after
 * setup, so depth n covers n commands, as in seoib); or why Spin cannot run here. `install`: apt-get it if missing.
 */
export function spinModel(name: string, install: boolean): ((depth: number) => SpinRun) | string {
  const missing =
    (install ? installSpin() : hasCommand('spin') ? undefined : 'spin is not installed') ??
    (hasCommand('gcc') ? undefined : 'no gcc');
  if (missing !== undefined) return missing;
  const dir = mkdtempSync(join(tmpdir(), 'seoib-spin-'));
  const model = join(PROMELA, `${name}.pml`);
  execFileSync('spin', ['-a', model], { cwd: dir, stdio: 'ignore' });
  execFileSync('gcc', ['-O2', '-DSAFETY', '-DBFS', '-DNOCLAIM', '-DMEMLIM=8192', '-o', 'pan', 'pan.c'], {
    cwd: dir,
    stdio: 'ignore',
  });
  if (!existsSync(join(dir, 'pan'))) return 'pan did not build';
  return (depth) => {
    let text = '';
    try {
      text = execFileSync(join(dir, 'pan'), [`-m${depth}`], { cwd: dir, encoding: 'utf8' });
    } catch (error) {
      text = String((error as { stdout?: string }).stdout ?? '');
    }
    const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    return {
      states: number(/([\d.e+]+) states, stored/),
      seconds: number(/elapsed time ([\d.e+]+) seconds/),
      megabytes: number(/([\d.]+)\s+total actual memory usage/),
    };
  };
}
