import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrace } from '../../src/check/runTrace.js';
import { INVARIANT_IDS } from '../../src/invariants/index.js';
import { parseTrace } from '../../src/model/trace.js';

const root = join(import.meta.dirname, '..', 'corpus');
/**
 * The invariants each corpus trace violates, by trace. Run inside the test: work done while tests are collected is
 * covered by no test (Stryker's coverage).
 */
const corpusRuns = () =>
  readdirSync(root).flatMap((folder) =>
    readdirSync(join(root, folder))
      .filter((name) => name.endsWith('.json'))
      .map((name) => {
        const file = join(root, folder, name);
        const violated = new Set(
          runTrace(parseTrace(readFileSync(file, 'utf8'), file)).violations.map((v) => v.invariant),
        );
        return { name: `${folder}/${name}`, violated };
      }),
  );

// A checker whose invariant no trace can violate proves nothing; one that every trace violates says nothing.
describe('no invariant is vacuous', () => {
  it('the corpus has, for each invariant, a trace that violates it and an upstream trace that satisfies it', () => {
    const runs = corpusRuns();
    for (const id of INVARIANT_IDS) {
      const violating = runs.filter((r) => r.violated.has(id));
      const satisfying = runs.filter((r) => !r.violated.has(id) && r.name.startsWith('upstream/'));
      expect.soft(violating.length, `no corpus trace violates ${id}`).toBeGreaterThan(0);
      expect.soft(satisfying.length, `no upstream corpus trace satisfies ${id}`).toBeGreaterThan(0);
    }
  });
});
