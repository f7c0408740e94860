import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

const temp = () => mkdtempSync(join(tmpdir(), 'seoib-explore-'));
/** The built CLI, for the tests that need worker threads (they run compiled JavaScript). */
const main = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

describe('seoib explore', () => {
  it('prints how to repeat the run, the fixpoint, and writes each shortest counterexample as a replayable trace', async () => {
    const out = temp();
    const row = ['--vmm', 'ioapic-0x11', '--policy', 'enable', '--guest', 'windows-hyperv'];
    const { code, out: text } = await cli('explore', ...row, '--out', out);
    expect(code).toBe(1);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'verdict: FAIL (--fail-on any): 1 violation (no-stuck-pin), 1 documented; 2 deadlocks (documented behaviour fails too; --fail-on unexpected fails only on undocumented violations)',
    );
    expect(text.split('\n')[1]).toBe(
      `repeat this run: seoib explore ${row.join(' ')} --depth 40 --max-states 2000000 --vcpus 1 --pins 1 --out ${out}`,
    );
    expect(text).toMatch(
      /upstream\/ioapic-0x11\/enable\/windows-hyperv: \d+ states, \d+ transitions, fixpoint/,
    );
    const file = join(out, 'no-stuck-pin--upstream--ioapic-0x11--enable--windows-hyperv.expected.json');
    expect(text).toContain(`replay: seoib replay ${file}`);
    const replayed = await cli('replay', '--json', file);
    expect(replayed.code).toBe(0);
    expect(
      JSON.parse(replayed.out).traces[0].violations.map((v: { invariant: string }) => v.invariant),
    ).toContain('no-stuck-pin');
    expect(readdirSync(out).filter((f) => f.startsWith('deadlock-vector'))).toHaveLength(2);
  });

  it('--fail-on unexpected passes the documented stuck pin, and deadlocks count only under any', async () => {
    const row = ['--vmm', 'ioapic-0x11', '--policy', 'enable', '--guest', 'windows-hyperv'];
    const { code, out: text } = await cli('explore', ...row, '--out', temp(), '--fail-on', 'unexpected');
    expect(code).toBe(0);
    expect(text.split('\n')[1]).toMatch(/ --fail-on unexpected$/);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'verdict: PASS (--fail-on unexpected): 1 violation (no-stuck-pin), 1 documented; 2 deadlocks (each violation is documented behaviour) (deadlocks fail only under --fail-on any)',
    );
  });

  it('--json gives one object with states, bound and verdicts per row', async () => {
    const { code, out } = await cli('explore', '--policy', 'enable', '--json', '--out', temp());
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.verdict).toEqual({
      failOn: 'any',
      passed: true,
      violations: 0,
      documented: 0,
      deadlocks: 0,
    });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ row: 'upstream/ioapic-0x20/enable/adversarial', exhausted: true });
    expect(Object.values(report.rows[0].verdicts)).toEqual(Array(10).fill('clean'));
  });

  it.each([
    [['--vcpus', '4'], '--vcpus: "4" must be a whole number from 1 to 3'],
    [['--depth', 'deep'], '--depth: "deep" must be a whole number from 0 to 1000'],
    [['--guest', 'os2'], '--guest: unknown guest "os2"'],
  ])('rejects %j with one line and exit 2, writing nothing', async (flags, message) => {
    const out = join(temp(), 'never');
    const { code, err } = await cli('explore', ...flags, '--out', out);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe('seoib matrix', () => {
  it('--fail-on unexpected: a table of documented failures only exits 0', async () => {
    const { code, out: text } = await cli(
      'matrix',
      ...['--kernel', 'upstream', '--vmm', 'ioapic-0x11', '--policy', 'enable', '--guest', 'windows-hyperv'],
      ...['--out', temp(), '--fail-on', 'unexpected'],
    );
    expect(code).toBe(0);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(
      /^verdict: PASS \(--fail-on unexpected\): 1 violation \(no-stuck-pin\), 1 documented/,
    );
  });

  it('proves the upstream table and writes it as JSON and Markdown', async () => {
    const out = temp();
    const { code, out: text } = await cli(
      'matrix',
      ...['--kernel', 'upstream', '--vmm', 'ioapic-0x11,ioapic-0x20'],
      ...['--guest', 'linux,windows-hyperv,credential-guard', '--out', out],
    );
    // The table holds the rows the patch warns about (ENABLE on 0x11, the quirk): they fail under --fail-on any.
    expect(code).toBe(1);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^verdict: FAIL \(--fail-on any\): /);
    expect(text).toContain('proven to: fixpoint');
    // Each row says it is done as its search ends, before the table: a run stopped early leaves these lines.
    const done = text.split('\n').filter((l) => /^\[\d+\/18\] /.test(l));
    expect(done.map((l) => l.slice(0, l.indexOf(' ')))).toEqual(
      Array.from({ length: 18 }, (_, k) => `[${k + 1}/18]`),
    );
    expect(done).toContainEqual(
      expect.stringMatching(
        /^\[\d+\/18\] upstream\/ioapic-0x20\/enable\/linux: \d+ states, fixpoint \(depth \d+\), \d+\.\d s$/,
      ),
    );
    expect(text.indexOf('[18/18]')).toBeLessThan(text.indexOf('proven to'));
    // Each row's states, depth and seconds follow its verdicts.
    expect(text).toMatch(/^row .* 10\s+states\s+depth\s+seconds$/m);
    expect(text).toMatch(/^upstream\/ioapic-0x20\/enable\/linux (\s+\.){10}\s+\d+\s+\d+\s+\d+\.\d$/m);
    const report = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8'));
    const verdict = (row: string, invariant: string) =>
      report.rows.find((r: { row: string }) => r.row === row).verdicts[invariant];
    for (const guest of ['linux', 'windows-hyperv', 'credential-guard']) {
      for (const invariant of ['no-storm', 'no-stuck-pin', 'no-unmask-before-ioapic-eoi']) {
        expect(verdict(`upstream/ioapic-0x20/enable/${guest}`, invariant)).toBe('clean');
        expect(verdict(`upstream/ioapic-0x11/disable/${guest}`, invariant)).toBe('clean');
        expect(verdict(`upstream/ioapic-0x20/disable/${guest}`, invariant)).toBe('clean');
      }
    }
    expect(verdict('upstream/ioapic-0x11/enable/windows-hyperv', 'no-stuck-pin')).toBe('expected');
    expect(verdict('upstream/ioapic-0x20/none/credential-guard', 'no-storm')).toBe('expected');
    const markdown = readFileSync(join(out, 'matrix.md'), 'utf8');
    expect(markdown).toContain('| upstream | ioapic-0x11 | enable | windows-hyperv |');
    expect(markdown.split('\n').filter((l) => l.startsWith('| upstream |'))).toHaveLength(18);
  });

  it('--workers 2 (the built CLI, worker threads) proves the same table, coverage and traces as one thread', async () => {
    const rows = [
      '--kernel',
      'upstream,legacy',
      '--vmm',
      'ioapic-0x11,qemu',
      '--guest',
      'linux,windows-hyperv',
    ];
    const [threads, inline] = [temp(), temp()];
    const run = (out: string, extra: string[]) => {
      try {
        return execFileSync(process.execPath, [main, 'matrix', ...rows, '--json', '--out', out, ...extra], {
          encoding: 'utf8',
        });
      } catch (error) {
        return String((error as { stdout: string }).stdout);
      }
    };
    const comparable = (text: string, out: string) => {
      const { seconds, replay, rows, ...report } = JSON.parse(text.replaceAll(out, 'OUT'));
      expect(seconds).toBeGreaterThan(0);
      expect(replay).toMatch(/^seoib matrix /);
      // Each row's time is the one thing that may differ.
      for (const row of rows) expect(row.seconds).toBeGreaterThan(0);
      return { ...report, rows: rows.map(({ seconds: _, ...row }: { seconds: number }) => row) };
    };
    const parallel = comparable(run(threads, ['--workers', '2']), threads);
    expect(parallel.rows).toHaveLength(28);
    expect(parallel).toEqual(comparable(run(inline, []), inline));
    expect(readdirSync(threads).sort()).toEqual(readdirSync(inline).sort());
  }, 120_000);

  it('--workers 2 without --json says each row is done as it ends, whichever worker ends it', () => {
    const rows = ['--kernel', 'upstream', '--vmm', 'qemu', '--policy', 'none,enable'];
    const { stdout } = spawnSync(
      process.execPath,
      [main, 'matrix', ...rows, '--guest', 'linux,windows-hyperv', '--workers', '2', '--out', temp()],
      { encoding: 'utf8' },
    );
    const done = stdout
      .split('\n')
      .filter((l) => /^\[\d\/4\] upstream\/qemu\/\w+\/[\w-]+: \d+ states, fixpoint/.test(l));
    expect(done.map((l) => l.slice(0, 5))).toEqual(['[1/4]', '[2/4]', '[3/4]', '[4/4]']);
    expect(new Set(done.map((l) => l.split(':')[0])).size).toBe(4);
  }, 60_000);
});
