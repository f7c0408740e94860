import { describe, expect, it } from 'vitest';
import { toDot } from '../../src/export/dot.js';
import { sample } from './sampleOutline.js';

describe('toDot', () => {
  it('draws composite states as clusters and clips edges to them', () => {
    const text = toDot(sample);
    expect(text).toContain('subgraph "cluster_m" {');
    expect(text).toContain('label="m (parallel)"; style=dashed;');
    expect(text).toContain('"m.a.[*]" -> "m.a.off";');
    expect(text).toContain('"m.a" -> "m.a.on" [label="GO [in(m.b.x)]", ltail="cluster_m.a"];');
    expect(text).toContain('"m.a" -> "m.a" [label="TICK"];');
    expect(text).toContain('"m.b.x" -> "m.a" [label="always", lhead="cluster_m.a"];');
  });
});
