import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { makeRow } from '../../src/scenario/row.js';

const one = { vcpus: 1, pins: 1 };
const unbounded = { depth: 100, maxStates: 1_000_000, symmetry: true };

describe('explore reaches the fixpoint', () => {
  it('upstream/ioapic-0x20/enable/adversarial, 1 vCPU and 1 pin: 2888 states, no violation', () => {
    const result = explore(makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial', one), unbounded);
    expect(result.exhausted).toBe(true);
    expect(result.truncated).toBe(false);
    // A property of the model, not of the machine: a change here means the model's reachable states changed.
    expect(result.states).toBe(2888);
    expect(result.found).toEqual([]);
  });
});
