import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateTable } from '../../src/explore/stateTable.js';

describe('StateTable', () => {
  it('interns each distinct key once, through growth and rehashing, and keeps how it was reached (seed 72)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(1500), fc.nat(3)), { minLength: 2500, maxLength: 3000 }),
        (pairs) => {
          const table = new StateTable(2, 7);
          const ids = new Map<string, number>();
          const firstAt = new Map<string, number>();
          pairs.forEach(([a, b], n) => {
            const id = table.intern(Uint32Array.of(a, b), n - 1, n % 7);
            const known = ids.get(`${a},${b}`);
            if (known === undefined) {
              expect(id).toBe(ids.size);
              ids.set(`${a},${b}`, id);
              firstAt.set(`${a},${b}`, n);
            } else {
              expect(id).toBe(known);
            }
            expect(table.count).toBe(ids.size);
            // A key found again keeps how it was first reached.
            const first = firstAt.get(`${a},${b}`) as number;
            expect([table.parent(id), table.via(id)]).toEqual([first - 1, first % 7]);
          });
          expect(table.count).toBe(ids.size);
        },
      ),
      { seed: 72, numRuns: 15 },
    );
  });

  it('holds a 4-word state in at most 32 bytes from 65,536 states on, the worst fill of its hash table included', () => {
    const table = new StateTable(4, 41);
    let worst = 0;
    for (let i = 0; i < 140_000; i++) {
      table.intern(Uint32Array.of(i, i >>> 3, 7, 0), i - 1, 0);
      if (table.count >= 65_536) worst = Math.max(worst, table.bytesPerState());
    }
    expect(table.count).toBe(140_000);
    // Keys, parent and command: 21 bytes; slots just after the rehash at 98,305 states: 4 × 262,144 / 98,305.
    expect(worst).toBeCloseTo((21 * (97 * 1024)) / 98_305 + (4 * 262_144) / 98_305, 6);
    expect(worst).toBeLessThanOrEqual(32);
  });

  it('keeps the command that reached a state in a byte for up to 256 commands, else in two', () => {
    const few = new StateTable(1, 256);
    const many = new StateTable(1, 257);
    few.intern(Uint32Array.of(1), -1, 255);
    many.intern(Uint32Array.of(1), -1, 256);
    expect(few.via(0)).toBe(255);
    expect(many.via(0)).toBe(256);
    expect(many.bytesPerState() - few.bytesPerState()).toBe(1024);
  });
});
