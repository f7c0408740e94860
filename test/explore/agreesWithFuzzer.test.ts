import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { fuzzRow, rowSeed } from '../../src/fuzz/campaign.js';
import { GUESTS } from '../../src/model/guests/index.js';
import { KERNELS } from '../../src/model/kernels.js';
import { VMMS } from '../../src/model/vmms.js';
import { verdicts } from '../../src/scenario/matrix.js';
import { makeRow, type Policy } from '../../src/scenario/row.js';

const one = { vcpus: 1, pins: 1 };
const unbounded = { depth: 100, maxStates: 1_000_000, symmetry: true };

describe('explore agrees with the fuzzer (seed 5)', () => {
  const rows = [...KERNELS.keys()].flatMap((kernel) =>
    [...VMMS.keys()].flatMap((vmm) =>
      (['none', 'enable', 'disable'] as Policy[]).flatMap((policy) =>
        [...GUESTS.keys()]
          .filter((g) => g !== 'adversarial')
          .map((guest) => makeRow(kernel, vmm, policy, guest, one)),
      ),
    ),
  );

  it.each(rows.map((r) => [`${r.kernel}/${r.vmm}/${r.policy}/${r.guest}`, r] as const))(
    '%s: same verdict on every invariant',
    (_name, row) => {
      const proven = explore(row, unbounded);
      expect(proven.exhausted).toBe(true);
      const sampled = fuzzRow(row, { seed: rowSeed(5, row), runs: 150, maxCommands: 20 });
      expect(verdicts(sampled)).toEqual(verdicts(proven));
    },
  );
});
