import { describe, expect, it } from 'vitest';
import { MACHINES, nodesOf, outlineOf } from '../../src/export/machineOutline.js';
import { machineGraph } from '../../src/fuzz/coverage.js';

const outlines = Object.values(MACHINES).map(outlineOf);

describe('outlineOf', () => {
  it('holds every state node of the machines, the same the coverage measurement counts', () => {
    const ids = outlines.flatMap(nodesOf).map((node) => node.id);
    expect(ids).toEqual(machineGraph().states);
  });

  it('holds every transition, eventless ones included', () => {
    const count = outlines.flatMap(nodesOf).reduce((sum, node) => sum + node.transitions.length, 0);
    expect(count).toBe(machineGraph().transitions.length);
    const always = outlines
      .flatMap(nodesOf)
      .flatMap((node) => node.transitions.filter((t) => t.event === 'always'));
    expect(always.length).toBeGreaterThan(0);
  });

  it('keeps each compound node initial child, targets and guards', () => {
    const lapic = nodesOf(outlineOf(MACHINES.lapic as never));
    const lvr = lapic.find((node) => node.id === 'lapic.apic.present.lvr');
    expect(lvr?.initial).toBe('lapic.apic.present.lvr.bit24Clear');
    expect(lvr?.transitions[0]).toEqual({
      event: 'SET_CPUID2',
      guard: {
        kind: 'and',
        operands: [
          { kind: 'in', stateId: 'lapic.run.neverRun' },
          { kind: 'named', name: 'cpuidAdvertises' },
        ],
      },
      targets: ['lapic.apic.present.lvr.bit24Set'],
    });
    const root = lapic[0];
    expect(root?.kind).toBe('parallel');
    expect(root?.initial).toBeUndefined();
  });
});
