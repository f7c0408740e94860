import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { standaloneRepro } from '../../src/export/standaloneRepro.js';
import { connect } from '../../src/kvm/connect.js';
import { kernelInfo } from '../../src/kvm/kernelInfo.js';
import { parseTrace } from '../../src/model/trace.js';

const root = join(import.meta.dirname, '..', '..');
const cc = process.env.CC ?? 'cc';
const hasCc = spawnSync(cc, ['--version']).status === 0;
if (!hasCc) console.log(`standaloneRepro: no C compiler (${cc}); the compile tests are skipped`);

const traces = [
  'upstream/x2apic-api-check-order.json',
  'upstream/lvr-and-spiv-across-mode-changes.json',
  'upstream/split-reserved-pins-limit.json',
  'legacy/lvr-and-spiv-quirk.json',
];

describe('standaloneRepro', () => {
  /** The kernel profiles this machine's /dev/kvm answers as: a repro passes there exactly for its own profile. */
  let localProfiles: string[] = [];
  beforeAll(async () => {
    if (!existsSync('/dev/kvm')) return;
    const connection = await connect({ kind: 'local' });
    try {
      localProfiles = (await kernelInfo(connection.runner)).matches;
    } finally {
      connection.runner.close();
    }
  });

  it('lists one step per ioctl with the request the runner understands and the expected answer', () => {
    const file = join(root, 'test', 'corpus', traces[0] as string);
    const trace = parseTrace(readFileSync(file, 'utf8'), file);
    const text = standaloneRepro(trace, file);
    expect(text.match(/^ {2}\{"\{/gm)).toHaveLength(trace.commands.length);
    expect(text).toContain('#define SEOIB_RUNNER_LIBRARY\n#include "runner.c"');
    expect(text).toMatch(
      /\{"\{\\"op\\":\\"KVM_ENABLE_CAP\\",\\"cap\\":\\"KVM_CAP_X2APIC_API\\",\\"args\\":\[12\]\}", "enable_cap x2apic 12", -22, 0, 0, 0\},/,
    );
  });

  it.skipIf(!hasCc).for(traces)(
    '%s compiles against src/kvm/runner.c and runs where /dev/kvm exists',
    (name) => {
      const file = join(root, 'test', 'corpus', name);
      const dir = mkdtempSync(join(tmpdir(), 'seoib-repro-'));
      const trace = parseTrace(readFileSync(file, 'utf8'), file);
      writeFileSync(join(dir, 'repro.c'), standaloneRepro(trace, file));
      execFileSync(cc, [
        '-O2',
        '-Wall',
        '-Werror',
        '-o',
        join(dir, 'repro'),
        join(dir, 'repro.c'),
        '-I',
        join(root, 'src', 'kvm'),
      ]);
      const run = spawnSync(join(dir, 'repro'), { encoding: 'utf8' });
      if (!existsSync('/dev/kvm')) expect(run.status).toBe(3);
      else expect(run.status, run.stdout).toBe(localProfiles.includes(trace.profile.kernel) ? 0 : 1);
    },
  );
});
