import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outcomesOf } from '../../src/kvm/selftestRun.js';
import { cli } from '../cli/run.js';

describe('outcomesOf', () => {
  it("reads each selftest's marked lines and exit status from the console, among kernel messages", () => {
    const console = [
      '[    1.2] kvm_amd: Nested Virtualization enabled\r',
      '@seoib-selftest seoib_a Random seed: 0x6b8b4567\r',
      '@seoib-selftest seoib_a @@exit 0\r',
      '@seoib-selftest seoib_b seoib finding: [5.4] {"op":"guest.ioapicEoi","vector":64}: no-stuck-pin: pin 0',
      '@seoib-selftest seoib_b @@exit 254',
    ].join('\n');
    expect(outcomesOf(console, ['seoib_a', 'seoib_b', 'seoib_c'])).toEqual([
      { name: 'seoib_a', exit: 0, output: ['Random seed: 0x6b8b4567'] },
      {
        name: 'seoib_b',
        exit: 254,
        output: ['seoib finding: [5.4] {"op":"guest.ioapicEoi","vector":64}: no-stuck-pin: pin 0'],
      },
      { name: 'seoib_c', exit: -1, output: [] },
    ]);
  });
});

const corpus = join(import.meta.dirname, '..', 'corpus');
const found = readdirSync(join(corpus, 'found')).map((f) => join(corpus, 'found', f));
const migration = readdirSync(join(corpus, 'upstream'))
  .filter((f) => f.startsWith('migration-'))
  .map((f) => join(corpus, 'upstream', f));
const clean = join(corpus, 'scenarios', 'clean-upstream-enable-0x20-credential-guard.json');

/**
 * Every found trace, the migration orders and the storm's scenario under ENABLE with an EOI register, exported as
 * KVM selftests, built in Debian sid's tools/testing/selftests/kvm and run on the booted sid kernel: each ends as
 * its trace says. Skips, saying why, where the kernel source, QEMU or the compiler cannot be had.
 */
describe('exported selftests on Debian sid', () => {
  it('build in the kernel tree and end on the kernel as their traces say', async (context) => {
    const { code, out, err } = await cli(
      'kvm',
      'selftest',
      ...found,
      ...migration,
      clean,
      '--qemu',
      'sid',
      '--json',
    );
    if (code === 3) return context.skip(err.trim());
    const report = JSON.parse(out);
    console.log(
      `selftests on ${report.kernel} (${report.tree}): built in ${report.buildSeconds.toFixed(1)} s, ran in ${report.runSeconds.toFixed(1)} s`,
    );
    const ended = report.selftests.map(
      (s: { name: string; asTraced: boolean; exit: number; reported: string[] }) => [s.name, s.asTraced],
    );
    expect(ended).toEqual(report.selftests.map((s: { name: string }) => [s.name, true]));
    const byName = (name: string) => report.selftests.find((s: { name: string }) => s.name === name);
    const storm = byName('seoib_no_storm_upstream_ioapic_0x20_none_credential_guard');
    expect(storm.exit).not.toBe(0);
    expect(storm.reported).toEqual(['[4.2] no-unmask-before-ioapic-eoi', '[4] no-storm']);
    expect(storm.output.join('\n')).toMatch(
      /no-storm: vector 64 delivered \d+ times after one trace command/,
    );
    expect(byName('seoib_clean_upstream_enable_0x20_credential_guard').exit).toBe(0);
    expect(code).toBe(0);
    // The kernel's own style checker has nothing to say about an exported test.
    const exported = join(report.source, 'tools/testing/selftests/kvm/x86', `${storm.name}.c`);
    const style = spawnSync(
      'perl',
      [join(report.source, 'scripts/checkpatch.pl'), '--no-tree', '-f', exported],
      {
        encoding: 'utf8',
      },
    );
    expect(style.stdout).toMatch(/^total: 0 errors, 0 warnings, \d+ lines checked$/m);
  }, 900_000);
});
