import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('describeVmm from seoib/vitest (fixture seed 7)', () => {
  it("fails a VMM project's suite on the stuck pin, shrunk, with the trace to replay", () => {
    const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
    const run = spawnSync(
      process.execPath,
      [vitest, 'run', '--config', 'test/fixtures/vitest.fixture.config.ts', '--reporter', 'default'],
      { cwd: root, encoding: 'utf8', env: { ...process.env, CI: '' } },
    );
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(1);
    expect(output).toContain('seoib invariants for VMM fixture-0x11-enable');
    expect(output).toContain('upstream/fixture-0x11-enable/enable/windows-hyperv');
    expect(output).toContain('"invariant": "no-stuck-pin"');
    expect(output).toContain(
      'the failing run as a seoib-trace/1 trace (save it, then: seoib replay <file>):',
    );
    expect(output).toContain('"format": "seoib-trace/1"');
    expect(output).toMatch(/Counterexample: /);
  });
});
