import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/run.js';

/** A campaign folder holding the storm on upstream/ioapic-0x20/none/credential-guard (seed 13, 100 runs). */
export async function stormCampaign(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'seoib-report-'));
  const { code } = await cli(
    'fuzz',
    '--kernel',
    'upstream',
    '--vmm',
    'ioapic-0x20',
    '--policy',
    'none,disable',
    '--guest',
    'credential-guard',
    '--seed',
    '13',
    '--runs',
    '100',
    '--out',
    out,
  );
  // The storm is a failure under the default --fail-on any.
  if (code !== 1) throw new Error(`fixture campaign exited ${code}`);
  return out;
}
