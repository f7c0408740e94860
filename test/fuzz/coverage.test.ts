import { describe, expect, it } from 'vitest';
import { coverageOf, machineGraph, measureCoverage } from '../../src/fuzz/coverage.js';
import { initialState } from '../../src/model/state.js';
import { step } from '../../src/model/step.js';

const createVcpu = () =>
  step(
    initialState({ kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' }, { vcpus: 1, pins: 1 }),
    {
      op: 'KVM_CREATE_VCPU',
      id: 0,
    },
  );

describe('machineGraph', () => {
  it('lists every state node and transition of the VM, LAPIC and I/O APIC pin machines, each once', () => {
    const { states, transitions } = machineGraph();
    expect(states.filter((id) => !id.includes('.'))).toEqual(['vm', 'lapic', 'ioapicPin']);
    expect(new Set(states).size).toBe(states.length);
    expect(new Set(transitions).size).toBe(transitions.length);
    expect(transitions.some((id) => id.endsWith(' always #0'))).toBe(true);
    expect(transitions.some((id) => id.startsWith('vm '))).toBe(true);
  });

  it('lists every wire between them by id', () => {
    expect(machineGraph().wiring).toContain('lapic.eoiExit');
    expect(machineGraph().wiring).toHaveLength(13);
  });
});

describe('measureCoverage', () => {
  it("records what the machines visit while the work runs, and returns the work's result", () => {
    const { result, visited } = measureCoverage(createVcpu);
    expect(result.observation.ret).toBe(0);
    expect(visited.size).toBeGreaterThan(0);
    expect([...visited].filter((id) => machineGraph().wiring.includes(id))).toEqual([
      'vm.vcpuCreated',
      'vm.apicMapChanged',
    ]);
    expect(
      [...visited].every(
        (id) =>
          machineGraph().states.includes(id) ||
          machineGraph().transitions.includes(id) ||
          machineGraph().wiring.includes(id),
      ),
    ).toBe(true);
  });

  it('stops recording once the work is done', () => {
    const { visited } = measureCoverage(() => 0);
    createVcpu();
    expect(visited.size).toBe(0);
  });
});

describe('coverageOf', () => {
  it('counts reached and declared states and transitions, naming the missing ones', () => {
    const graph = machineGraph();
    const { visited } = measureCoverage(createVcpu);
    const coverage = coverageOf(visited);
    const reachedStates = graph.states.filter((id) => visited.has(id));
    expect(coverage.states).toEqual({
      reached: reachedStates.length,
      total: graph.states.length,
      missing: graph.states.filter((id) => !visited.has(id)),
    });
    expect(coverage.transitions.total).toBe(graph.transitions.length);
    expect(coverage.transitions.reached + coverage.transitions.missing.length).toBe(graph.transitions.length);
    expect(coverage.transitions.reached).toBeGreaterThan(0);
    expect(coverage.wiring).toEqual({
      reached: 2,
      total: graph.wiring.length,
      missing: graph.wiring.filter((id) => id !== 'vm.vcpuCreated' && id !== 'vm.apicMapChanged'),
    });
    expect(coverageOf(new Set()).states).toEqual({
      reached: 0,
      total: graph.states.length,
      missing: graph.states,
    });
  });
});
