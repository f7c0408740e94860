import { describe, expect, it } from 'vitest';
import { spinModel } from '../../bench/spin.js';
import { explore } from '../../src/explore/explore.js';
import { makeRow } from '../../src/scenario/row.js';

/** Distinct states seoib stores within 1, 2, ... `depth` commands, without symmetry (Spin has none). */
function seoibByDepth(guest: string, depth: number): number[] {
  const row = makeRow('upstream', 'ioapic-0x20', 'enable', guest, { vcpus: 2, pins: 2 });
  const byDepth: number[] = [];
  explore(row, { depth, maxStates: 10_000_000, symmetry: false, onLayer: (l) => byDepth.push(l.states) });
  return byDepth;
}

// bench:explore's ratio is only fair while Spin explores the same model: a change to the model's reachable states
// must reach bench/promela/ too. .ci/run installs spin; without it this says why and skips.
describe.each([
  ['adversarial', 4],
  ['linux', 8],
])('bench/promela/%s.pml stores the states seoib explores', (guest, depth) => {
  const run = spinModel(guest, false);
  it.skipIf(typeof run === 'string')(
    `at every depth 1-${depth}${typeof run === 'string' ? ` (skipped: ${run})` : ''}`,
    () => {
      const spin = Array.from(
        { length: depth },
        (_, d) => (run as Exclude<typeof run, string>)(d + 1).states,
      );
      expect(spin).toEqual(seoibByDepth(guest, depth));
    },
    60_000,
  );
});
