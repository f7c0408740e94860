import { describe, expect, it } from 'vitest';
import { isProgress, ProgressGraph } from '../../src/explore/progressGraph.js';

describe('isProgress', () => {
  it('counts guest CPU and device moves, not ioctls or I/O APIC reprogramming', () => {
    expect(isProgress({ op: 'guest.eoi', vcpu: 0 })).toBe(true);
    expect(isProgress({ op: 'device.setLine', pin: 0, level: 1 })).toBe(true);
    expect(isProgress({ op: 'KVM_CREATE_VCPU', id: 0 })).toBe(false);
    expect(
      isProgress({ op: 'guest.ioapicWriteRte', pin: 0, vector: 64, trigger: 'edge', masked: false, dest: 0 }),
    ).toBe(false);
  });
});

describe('ProgressGraph', () => {
  // 0 → 1 → 2 (delivers bit 0); 3 → 4, 4 → 3 (a cycle that never delivers); 1 → 3.
  function graph(): ProgressGraph {
    const g = new ProgressGraph();
    g.addEdge(0, 1, 0);
    g.addEdge(1, 2, 0b01);
    g.addEdge(1, 3, 0);
    g.addEdge(3, 4, 0);
    g.addEdge(4, 3, 0b10);
    for (const id of [0, 1, 3, 4]) g.setPending(id, 0b01);
    return g;
  }

  it('reports a pending vector stuck where no path delivers it, with the first such state', () => {
    expect(graph().stuckVectors(5, 5, 2)).toEqual([{ bit: 0, states: 2, first: 3 }]);
  });

  it('does not judge states that were never expanded', () => {
    expect(graph().stuckVectors(5, 4, 2)).toEqual([]);
  });
});
