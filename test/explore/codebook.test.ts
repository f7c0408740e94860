import { describe, expect, it } from 'vitest';
import { Codebook } from '../../src/explore/codebook.js';

describe('Codebook', () => {
  it('gives codes in order of first sight and the same code for the same value', () => {
    const book = new Codebook('vector', 2);
    expect([book.code(0), book.code(64), book.code(0), book.code(80)]).toEqual([0, 1, 0, 2]);
    expect(book.values).toEqual([0, 64, 80]);
  });

  it('refuses a value beyond its width, naming the field', () => {
    const book = new Codebook('SPIV low bits', 1);
    book.code(0xff);
    book.code(0x1ff);
    expect(() => book.code(0x0ff + 2)).toThrow('explore: SPIV low bits takes more than 2 values');
  });
});
