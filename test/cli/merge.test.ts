import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

const campaign = [
  'fuzz',
  '--matrix',
  '--kernel',
  'legacy,upstream',
  '--vmm',
  'ioapic-0x11',
  '--guest',
  'credential-guard',
  '--seed',
  '13',
  '--runs',
  '30',
  // A campaign over rows the patch warns about on purpose: regression mode.
  '--fail-on',
  'unexpected',
];
const folder = () => mkdtempSync(join(tmpdir(), 'seoib-merge-'));

/** Every file of a campaign folder but the row records, whose content results.json repeats. */
function traces(dir: string): Record<string, string> {
  const names = readdirSync(dir).filter((name) => name.endsWith('.json') && name !== 'campaign.json');
  return Object.fromEntries(names.map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

describe('seoib fuzz --shard and seoib merge (seed 13)', () => {
  it('two shards of 1/2 and 2/2 merged equal the unsharded campaign, results.json and traces byte for byte', async () => {
    const [whole, first, second, merged] = [folder(), folder(), folder(), folder()];
    expect((await cli(...campaign, '--out', whole)).code).toBe(0);
    expect((await cli(...campaign, '--shard', '1/2', '--out', first)).code).toBe(0);
    expect((await cli(...campaign, '--shard', '2/2', '--out', second, '--json')).code).toBe(0);
    const { code, out } = await cli('merge', first, second, '--out', merged, '--fail-on', 'unexpected');
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(
      /^verdict: PASS \(--fail-on unexpected\): \d+ violations/,
    );
    expect((await cli('merge', first, second, '--out', folder())).code).toBe(1);
    expect(out).toContain(`merged 8 of 8 rows from 2 folder(s) into ${merged}`);
    expect(traces(merged)).toEqual(traces(whole));
    expect(Object.keys(traces(whole))).toContain('results.json');
    expect(JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')).complete).toBe(true);
  });

  it('an interrupted campaign rerun into its folder runs only the missing rows and ends the same', async () => {
    const dir = folder();
    await cli(...campaign, '--out', dir);
    const before = traces(dir);
    rmSync(join(dir, 'rows', 'row--upstream--ioapic-0x11--enable--credential-guard.json'));
    const { out } = await cli(...campaign, '--out', dir);
    expect(out).toContain('resuming: 7 of 8 rows already recorded');
    expect(out).toContain('[1/1] upstream/ioapic-0x11/enable/credential-guard:');
    expect(traces(dir)).toEqual(before);
  });

  it('lists the rows no shard ran', async () => {
    const [first, merged] = [folder(), folder()];
    await cli(...campaign, '--shard', '1/2', '--out', first);
    const { out } = await cli('merge', first, '--out', merged);
    expect(out).toContain('merged 4 of 8 rows');
    expect(out).toContain('  missing: legacy/ioapic-0x11/enable/credential-guard\n');
    expect(JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')).complete).toBe(false);
  });

  it('refuses to merge folders of different campaigns with one line and exit 2', async () => {
    const [a, b] = [folder(), folder()];
    await cli(...campaign, '--shard', '1/2', '--out', a);
    await cli(...campaign.map((arg) => (arg === '13' ? '14' : arg)), '--shard', '2/2', '--out', b);
    const { code, err } = await cli('merge', a, b, '--out', folder());
    expect(code).toBe(2);
    expect(err).toBe(
      `seoib: ${join(b, 'campaign.json')}: $: another campaign than ${join(a, 'campaign.json')} (seed, budget, invariants, config or rows differ)\n`,
    );
  });

  it('--workers 2 (the built CLI, worker threads) records the same rows as one thread', async () => {
    const [threads, inline] = [folder(), folder()];
    const main = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
    execFileSync(process.execPath, [main, ...campaign, '--workers', '2', '--out', threads]);
    await cli(...campaign, '--out', inline);
    expect(traces(threads)).toEqual(traces(inline));
  });
});
