import fc from 'fast-check';
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

/** The same question answered the slow way: grow the set of states that can deliver until nothing changes. */
function stuckTheSlowWay(
  edges: readonly (readonly [number, number, number])[],
  pending: readonly number[],
  expanded: number,
  bits: number,
) {
  const out = [];
  for (let bit = 0; bit < bits; bit++) {
    const can = new Set<number>();
    for (let id = expanded; id < pending.length; id++) can.add(id);
    for (const [from, , delivered] of edges) if (delivered & (1 << bit)) can.add(from);
    for (let changed = true; changed; ) {
      changed = false;
      for (const [from, to] of edges)
        if (can.has(to) && !can.has(from)) {
          can.add(from);
          changed = true;
        }
    }
    const stuck = pending.flatMap((mask, id) => (mask & (1 << bit) && !can.has(id) ? [id] : []));
    if (stuck.length > 0) out.push({ bit, states: stuck.length, first: stuck[0] });
  }
  return out;
}

describe('ProgressGraph on graphs larger than its first allocation (seed 75)', () => {
  it('finds exactly the stuck states a fixpoint finds', () => {
    const states = 5000;
    const graphs = fc.record({
      edges: fc.array(fc.tuple(fc.nat(states - 1), fc.nat(states - 1), fc.nat(3)), {
        minLength: 4500,
        maxLength: 6000,
      }),
      // A third bit beyond the two asked about, which must not be judged.
      pending: fc.array(fc.nat(7), { minLength: states, maxLength: states }),
      expanded: fc.integer({ min: states - 100, max: states }),
    });
    fc.assert(
      fc.property(graphs, ({ edges, pending, expanded }) => {
        const graph = new ProgressGraph();
        pending.forEach((mask, id) => {
          graph.setPending(id, mask);
        });
        // An edge delivers bit 0 one time in four, and bit 1 never.
        const delivering = edges.map(([from, to, d]) => [from, to, d & (d >> 1)] as const);
        for (const [from, to, delivered] of delivering) graph.addEdge(from, to, delivered);
        expect(graph.stuckVectors(states, expanded, 2)).toEqual(
          stuckTheSlowWay(delivering, pending, expanded, 2),
        );
      }),
      { seed: 75, numRuns: 10 },
    );
  });
});
