import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShard, shardFromEnvironment, shardPositions } from '../../src/fuzz/shard.js';

describe('parseShard', () => {
  it('reads K/N with 1 <= K <= N and refuses anything else', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard('12/16')).toEqual({ index: 12, count: 16 });
    for (const bad of ['0/2', '3/2', '1/0', '1', '1/2/3', '-1/2', 'a/b', ' 1/2'])
      expect(parseShard(bad)).toBeUndefined();
  });
});

describe('shardFromEnvironment', () => {
  it("turns a Kubernetes Indexed Job's 0-based completion index into a 1-based shard", () => {
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '0', JOB_COMPLETION_COUNT: '4' })).toBe('1/4');
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '3', JOB_COMPLETION_COUNT: '4' })).toBe('4/4');
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '11', JOB_COMPLETION_COUNT: '16' })).toBe('12/16');
    expect(shardFromEnvironment({})).toBeUndefined();
  });

  it('gives a shard parseShard refuses for an index without a count or one that is not a number', () => {
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '3' })).toBe('4/');
    for (const index of ['x1', '1x', '-1', ''])
      expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: index, JOB_COMPLETION_COUNT: '4' })).toBe(
        `${index}/4`,
      );
    for (const env of [
      { JOB_COMPLETION_INDEX: '3' },
      { JOB_COMPLETION_INDEX: 'x1', JOB_COMPLETION_COUNT: '4' },
    ])
      expect(parseShard(shardFromEnvironment(env) as string)).toBeUndefined();
  });
});

describe('shardPositions (seed 41)', () => {
  it('splits every position into exactly one shard, spread evenly', () => {
    fc.assert(
      fc.property(fc.nat(300), fc.integer({ min: 1, max: 20 }), (total, count) => {
        const parts = Array.from({ length: count }, (_, k) => shardPositions(total, { index: k + 1, count }));
        expect(parts.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, k) => k));
        const sizes = parts.map((part) => part.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { seed: 41 },
    );
  });
});
