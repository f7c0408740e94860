import { describe, expect, it } from 'vitest';
import { discoveryPlot } from '../../src/report/discoveryPlot.js';

describe('discoveryPlot', () => {
  it('steps up once per violation, in run order, expected grey and unexpected red', () => {
    const svg = discoveryPlot(
      [
        { runs: 300, expected: false },
        { runs: 100, expected: true },
      ],
      400,
    );
    expect(svg.match(/<circle /g)).toHaveLength(2);
    const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="3.5" fill="(#\w+)"/g)];
    expect(dots.map((d) => d[3])).toEqual(['#757575', '#c62828']);
    expect(Number(dots[0]?.[1])).toBeLessThan(Number(dots[1]?.[1]));
    expect(Number(dots[0]?.[2])).toBeGreaterThan(Number(dots[1]?.[2]));
    expect(svg).toContain('generated runs (campaign total 400)');
  });
});
