import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STORM_ROW_FLAGS } from '../helpers.js';
import { cli } from './run.js';

const row = STORM_ROW_FLAGS;

function snapshot(dir: string): Record<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return Object.fromEntries(
    files.map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return [path, readFileSync(path, 'utf8')];
    }),
  );
}

describe('seoib fuzz (seed 13)', () => {
  it('prints the seed and the replay command first, finds the storm, writes a replayable counterexample', async () => {
    const out = mkdtempSync(join(tmpdir(), 'seoib-fuzz-'));
    const { code, out: text } = await cli('fuzz', ...row, '--seed', '13', '--runs', '100', '--out', out);
    expect(code).toBe(1);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'verdict: FAIL (--fail-on any): 2 violations (no-unmask-before-ioapic-eoi, no-storm), 2 documented (documented behaviour fails too; --fail-on unexpected fails only on undocumented violations)',
    );
    const [first, second] = text.split('\n');
    expect(first).toBe('seoib fuzz: seed 13');
    expect(second).toBe(
      `replay this campaign: seoib fuzz ${row.join(' ')} --seed 13 --runs 100 --max-commands 30 --vcpus 1 --pins 2 --out ${out}`,
    );
    const file = join(out, 'no-storm--upstream--ioapic-0x20--none--credential-guard.json');
    expect(text).toContain(`replay: seoib replay ${file}`);
    const replayed = await cli('replay', '--json', file);
    expect(replayed.code).toBe(0);
    const violations = JSON.parse(replayed.out).traces[0].violations;
    expect(violations).toContainEqual({ invariant: 'no-storm', index: expect.any(Number), expected: true });
  });

  it('is deterministic: same seed and options give byte-identical JSON and counterexample files', async () => {
    const out = mkdtempSync(join(tmpdir(), 'seoib-fuzz-'));
    const args = [
      'fuzz',
      '--matrix',
      '--kernel',
      'legacy,upstream',
      '--vmm',
      'ioapic-0x11',
      '--guest',
      'credential-guard,windows-hyperv',
    ];
    const first = await cli(...args, '--seed', '13', '--runs', '60', '--out', out, '--json');
    const files = snapshot(out);
    rmSync(join(out, 'rows'), { recursive: true });
    const second = await cli(...args, '--seed', '13', '--runs', '60', '--out', out, '--json');
    expect(second.out).toBe(first.out);
    expect(snapshot(out)).toEqual(files);
    expect(Object.keys(files).length).toBeGreaterThan(0);
    const report = JSON.parse(first.out);
    expect(report.seed).toBe(13);
    expect(report.rows).toHaveLength(16);
    expect(report.draws.discarded).toBe(0);
    expect(report.coverage.states.total).toBeGreaterThan(20);
  });

  it('ends a --matrix run with the verdict table', async () => {
    const out = mkdtempSync(join(tmpdir(), 'seoib-fuzz-'));
    const { code, out: text } = await cli(
      'fuzz',
      '--matrix',
      '--kernel',
      'upstream',
      '--vmm',
      'ioapic-0x11',
      '--policy',
      'enable,disable',
      '--guest',
      'windows-hyperv',
      '--seed',
      '13',
      '--runs',
      '100',
      '--out',
      out,
    );
    expect(code).toBe(1);
    const marks = (name: string) =>
      text
        .split('\n')
        .find((line) => line.startsWith(`${name} `))
        ?.split(/\s+/)
        .slice(1);
    // Column 9 is no-stuck-pin: expected with ENABLE on a 0x11 I/O APIC, clean with DISABLE.
    expect(marks('upstream/ioapic-0x11/enable/windows-hyperv')).toEqual([
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      'q',
      '.',
    ]);
    expect(marks('upstream/ioapic-0x11/disable/windows-hyperv')).toEqual(Array(10).fill('.'));
  });
});

/** The storm's row fuzzed with seed 13 and 100 runs into a fresh folder, with `flags` added. */
const stormFuzz = (...flags: string[]) =>
  cli(
    'fuzz',
    ...row,
    '--seed',
    '13',
    '--runs',
    '100',
    '--out',
    mkdtempSync(join(tmpdir(), 'seoib-fuzz-')),
    ...flags,
  );

describe('seoib fuzz --fail-on', () => {
  it('unexpected: the same documented storm exits 0, and the replay command keeps the mode', async () => {
    const { code, out: text } = await stormFuzz('--fail-on', 'unexpected');
    expect(code).toBe(0);
    expect(text.split('\n')[1]).toMatch(/ --fail-on unexpected$/);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'verdict: PASS (--fail-on unexpected): 2 violations (no-unmask-before-ioapic-eoi, no-storm), 2 documented (each violation is documented behaviour)',
    );
  });

  it('--json states the verdict and its mode', async () => {
    const { code, out: text } = await stormFuzz('--json');
    expect(code).toBe(1);
    expect(JSON.parse(text).verdict).toEqual({
      failOn: 'any',
      passed: false,
      violations: 2,
      documented: 2,
      deadlocks: 0,
    });
  });

  it('any: a clean row exits 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'seoib-fuzz-'));
    const clean = [
      '--kernel',
      'upstream',
      '--vmm',
      'ioapic-0x20',
      '--policy',
      'enable',
      '--guest',
      'windows-hyperv',
    ];
    const { code, out: text } = await cli('fuzz', ...clean, '--seed', '13', '--runs', '50', '--out', out);
    expect(code).toBe(0);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'verdict: PASS (--fail-on any): no violation, no deadlock',
    );
  });
});

describe('seoib fuzz bad input', () => {
  it.each([
    [['--kernel', 'v9'], /^seoib: --kernel: unknown kernel "v9" \(known: .*\)\n$/],
    [['--guest', 'linux,beos'], /^seoib: --guest: unknown guest "beos"/],
    [['--time', '30 seconds'], /^seoib: --time: "30 seconds" must be a duration like 500ms, 30s, 2m\n$/],
    [['--runs', '-3'], /^seoib: --runs: "-3" must be a whole number/],
    [['--invariants', 'no-storm,no-fire'], /^seoib: --invariants: unknown invariant "no-fire"/],
    [['--pins', '40'], /^seoib: --pins: "40" must be a whole number from 2 to 24\n$/],
    [['--shard', '3/2'], /^seoib: --shard: "3\/2" must be K\/N with 1 <= K <= N\n$/],
    [['--workers', '0'], /^seoib: --workers: "0" must be a whole number from 1 to 256\n$/],
    [['--fail-on', 'documented'], /^seoib: --fail-on: "documented" must be one of any, unexpected\n$/],
  ])('%j: one line, exit 2, nothing written', async (args, message) => {
    const parent = mkdtempSync(join(tmpdir(), 'seoib-fuzz-'));
    const out = join(parent, 'out');
    const { code, out: stdout, err } = await cli('fuzz', ...(args as string[]), '--out', out);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(err).toMatch(message);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses an --out it cannot write', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'seoib-fuzz-'));
    writeFileSync(join(parent, 'file'), '');
    const { code, err } = await cli('fuzz', '--runs', '1', '--out', join(parent, 'file', 'sub'));
    expect(code).toBe(2);
    expect(err).toMatch(/^seoib: --out: .*file\/sub: cannot write there \(ENOTDIR\)\n$/);
  });
});
