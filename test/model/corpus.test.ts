import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrace } from '../../src/check/runTrace.js';
import { parseTrace } from '../../src/model/trace.js';

const root = join(import.meta.dirname, '..', 'corpus');

function traceFiles(folder: string): string[] {
  return readdirSync(join(root, folder))
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(root, folder, name));
}

describe.each(['upstream', 'legacy', 'v4', 'v6', 'scenarios', 'found'])('corpus %s', (folder) => {
  const files = traceFiles(folder);

  it('is not empty', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((file) => [file.slice(root.length + 1), file]))(
    '%s: every expectation holds, no unexpected violation',
    (_name, file) => {
      const trace = parseTrace(readFileSync(file, 'utf8'), file);
      if (['upstream', 'legacy', 'v4', 'v6'].includes(folder)) expect(trace.profile.kernel).toBe(folder);
      expect(trace.commands.some((c) => c.expect !== undefined)).toBe(true);
      const run = runTrace(trace);
      expect(run.mismatches).toEqual([]);
      expect(run.violations.filter((v) => v.expected === null)).toEqual([]);
      // A counterexample kept in found/ is named after its invariant and must still show it.
      if (folder === 'found')
        expect(run.violations.map((v) => v.invariant)).toContain(_name.split('/')[1]?.split('--')[0]);
    },
  );
});
