import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitWriter } from '../../src/explore/bitWriter.js';

function readBits(words: Uint32Array, from: number, bits: number): number {
  let value = 0;
  for (let i = 0; i < bits; i++) {
    const at = from + i;
    if (((words[at >> 5] as number) >>> (at & 31)) & 1) value |= 1 << i;
  }
  return value;
}

describe('BitWriter', () => {
  it('packs fields back to back, across word boundaries, and reads back what was put (seed 71)', () => {
    const field = fc
      .integer({ min: 1, max: 16 })
      .chain((bits) =>
        fc.record({ bits: fc.constant(bits), value: fc.integer({ min: 0, max: 2 ** bits - 1 }) }),
      );
    fc.assert(
      fc.property(fc.array(field, { maxLength: 20 }), (fields) => {
        const writer = new BitWriter(new Uint32Array(10));
        writer.reset();
        for (const f of fields) writer.put(f.value, f.bits);
        let at = 0;
        for (const f of fields) {
          expect(readBits(writer.words, at, f.bits)).toBe(f.value);
          at += f.bits;
        }
        expect(writer.length).toBe(at);
      }),
      { seed: 71 },
    );
  });

  it('reset clears what an earlier key left', () => {
    const writer = new BitWriter(new Uint32Array(2));
    writer.put(0xffff, 16);
    writer.put(0xffff, 16);
    writer.put(7, 3);
    writer.reset();
    writer.put(1, 1);
    expect([...writer.words]).toEqual([1, 0]);
    expect(writer.length).toBe(1);
  });
});
