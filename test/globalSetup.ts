import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every temporary file of a test run goes under one directory that goes when the run ends: workers and the
 * processes they start inherit TMPDIR, so a test that forgets its own cleanup leaves nothing behind.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'seoib-test-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
