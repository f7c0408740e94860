import { describe, expect, it } from 'vitest';
import { inverse, permutations } from '../../src/explore/permutations.js';

describe('permutations', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 6],
  ])('of %i elements: %i distinct ones, identity first', (n, count) => {
    const all = permutations(n);
    expect(all).toHaveLength(count);
    expect(new Set(all.map((p) => p.join())).size).toBe(count);
    expect(all[0]).toEqual(Array.from({ length: n }, (_, i) => i));
    for (const p of all) expect([...p].sort()).toEqual(all[0]);
  });

  it('inverse undoes the permutation', () => {
    for (const p of permutations(3)) {
      const back = inverse(p);
      p.forEach((to, from) => {
        expect(back[to]).toBe(from);
      });
    }
  });
});
