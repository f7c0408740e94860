import { describe, expect, it } from 'vitest';
import type { Checked } from '../../src/check/checkedRun.js';
import { explore } from '../../src/explore/explore.js';
import { isProgress } from '../../src/explore/progressGraph.js';
import { deliverable } from '../../src/invariants/eoiFacts.js';
import { noStuckPin } from '../../src/invariants/eoiInvariants.js';
import { makeRow, type Policy, type Row } from '../../src/scenario/row.js';
import { searchByMeaning } from './searchByMeaning.js';

/**
 * Vectors a state leaves waiting: a level pin holds Remote IRR with its line asserted and its entry unmasked,
 * routed to a LAPIC that is software-enabled and in x2APIC mode, and no-stuck-pin does not excuse the pin.
 */
function waiting({ state, monitors }: Checked): number[] {
  const excused = monitors[noStuckPin.id] as readonly number[];
  return state.pins.flatMap((pin, index) => {
    const { trigger, masked, line, vector, dest } = pin.context;
    const holds = pin.value === 'remoteIrrSet' && trigger === 'level' && !masked && line;
    const reachable = deliverable(state, index) && state.lapics[dest]?.context.x2apic === true;
    return holds && reachable && !excused.includes(index) ? [vector] : [];
  });
}

/**
 * Per vector, the states where it waits and no sequence of progress moves delivers it again, from a search keyed
 * by the whole state: a state of the last layer was never expanded, so it may yet deliver anything.
 */
function stuckStates(row: Row, depth: number): Map<number, number> {
  const { states, layers, edges } = searchByMeaning(row, depth);
  const pending = states.map(waiting);
  const predecessors = states.map((): number[] => []);
  for (const { from, to, command } of edges) if (isProgress(command)) predecessors[to]?.push(from);
  const unexpanded = layers.flatMap((layer, id) => (layer >= depth ? [id] : []));
  const stuck = new Map<number, number>();
  for (const vector of new Set(pending.flat())) {
    const delivers = new Set<number>();
    const reach = (id: number) => {
      if (delivers.has(id)) return;
      delivers.add(id);
      for (const from of predecessors[id] as number[]) reach(from);
    };
    for (const id of unexpanded) reach(id);
    for (const { from, command, delivered } of edges)
      if (isProgress(command) && delivered.includes(vector)) reach(from);
    const count = pending.filter((p, id) => p.includes(vector) && !delivers.has(id)).length;
    if (count > 0) stuck.set(vector, count);
  }
  return stuck;
}

describe("explore's deadlocks are the waiting vectors no progress move delivers again", () => {
  it.each([
    [
      'upstream/cloud-hypervisor/enable/adversarial',
      40,
      'no EOI register; an entry turned edge keeps Remote IRR',
    ],
    ['upstream/ioapic-0x20/enable/adversarial', 40, 'an EOI register: the guest can always end it'],
    ['upstream/ioapic-0x11/enable/windows-hyperv', 40, 'a guest program'],
    ['upstream/ioapic-0x11/adversarial/adversarial', 3, 'a bound: the last layer may yet deliver'],
  ] as const)(
    '%s (1 vCPU × 1 pin, depth %i: %s): the same vectors in as many states',
    (name, depth, _why) => {
      const [kernel, vmm, policy, guest] = name.split('/') as [string, string, Policy, string];
      const row = makeRow(kernel, vmm, policy, guest, { vcpus: 1, pins: 1 });
      const { deadlocks } = explore(row, { depth, maxStates: 1_000_000, symmetry: false });
      expect(new Map(deadlocks.map((d) => [d.vector, d.states]))).toEqual(stuckStates(row, depth));
    },
  );
});
