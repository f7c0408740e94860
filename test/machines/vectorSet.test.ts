import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, fromList, has, highest, registerWord, remove } from '../../machines/vectorSet.js';

const vector = fc.integer({ min: 16, max: 255 });

describe('vectorSet (seed 51)', () => {
  it('add and fromList keep a sorted set without repeats; remove takes one vector out', () => {
    fc.assert(
      fc.property(fc.array(vector, { maxLength: 12 }), vector, (list, v) => {
        const set = fromList(list);
        const sorted = [...new Set(list)].sort((a, b) => a - b);
        expect(set).toEqual(sorted);
        expect(add(set, v)).toEqual([...new Set([...sorted, v])].sort((a, b) => a - b));
        expect(remove(add(set, v), v)).toEqual(sorted.filter((x) => x !== v));
        expect(has(add(set, v), v)).toBe(true);
        expect(highest(add(set, v))).toBe(Math.max(...sorted, v));
      }),
      { seed: 51 },
    );
  });

  it('adding a vector already there returns the same set; 255 sorts after 64 numerically', () => {
    const set = fromList([255, 64]);
    expect(set).toEqual([64, 255]);
    expect(add(set, 64)).toBe(set);
    expect(add([100], 64)).toEqual([64, 100]);
    expect(highest([])).toBeUndefined();
  });

  it('lays vectors out in 32-bit register words as KVM_GET_LAPIC does', () => {
    expect(registerWord([64, 65, 95, 96], 2)).toBe(0x8000_0003);
    expect(registerWord([64, 65, 95, 96], 3)).toBe(1);
    expect(registerWord([64, 65, 95, 96], 1)).toBe(0);
  });
});
