import { type Checked, checkedStep, startChecked } from '../../src/check/checkedRun.js';
import type { Command } from '../../src/model/command.js';
import { commandsFor } from '../../src/scenario/alphabet.js';
import { setupCommands } from '../../src/scenario/policy.js';
import type { Row } from '../../src/scenario/row.js';

/**
 * What the explorer's state key claims to capture, in plain JSON: the state without the clock, the order of
 * vcpuIds and the pins' successive-EOI counters (explore() keeps them out of reach), and the carried monitors.
 */
export function meaning({ state, monitors }: Checked): string {
  const vm = { ...state.vm, context: { ...state.vm.context, vcpuIds: [...state.vm.context.vcpuIds].sort() } };
  const pins = state.pins.map((pin) => ({ ...pin, context: { ...pin.context, eoiStreak: 0 } }));
  return JSON.stringify({
    ...state,
    vm,
    pins,
    clockNs: 0,
    monitors: [monitors['no-unmask-before-ioapic-eoi'], monitors['no-stuck-pin']],
  });
}

/** One transition of the search: states by their index in `states`, and the vectors the step delivered. */
export interface MeaningEdge {
  from: number;
  to: number;
  command: Command;
  delivered: number[];
}

/** A plain breadth-first search keyed by meaning(): every state found, the layer it was found in, every edge. */
export interface MeaningSearch {
  /** Distinct states in the order found; the first is the state after the row's setup. */
  states: Checked[];
  /** The layer (commands after setup) each state was found in. */
  layers: number[];
  /** Every transition taken from a state of a layer below `depth`. */
  edges: MeaningEdge[];
  /** Distinct states after each layer. */
  counts: number[];
}

/** Breadth-first search from the row's setup over its alphabet, `depth` layers deep, keyed by meaning(). */
export function searchByMeaning(on: Row, depth: number): MeaningSearch {
  const alphabet = commandsFor(
    on,
    Array.from({ length: on.config.vcpus }, (_, id) => id),
  );
  const setup = setupCommands(on);
  let start = startChecked({ kernel: on.kernel, vmm: on.vmm, guest: on.guest }, on.config);
  setup.forEach((command, index) => {
    start = checkedStep(start, command, index).next;
  });
  const ids = new Map([[meaning(start), 0]]);
  const search: MeaningSearch = { states: [start], layers: [0], edges: [], counts: [] };
  let frontier = [0];
  for (let layer = 0; layer < depth && frontier.length > 0; layer++) {
    const next: number[] = [];
    for (const from of frontier)
      for (const command of alphabet) {
        const state = search.states[from] as Checked;
        if ('vcpu' in command && state.state.lapics[command.vcpu] == null) continue;
        const checked = checkedStep(state, command, setup.length + layer);
        const key = meaning(checked.next);
        let to = ids.get(key);
        if (to === undefined) {
          to = search.states.length;
          ids.set(key, to);
          search.states.push(checked.next);
          search.layers.push(layer + 1);
          next.push(to);
        }
        const delivered = checked.result.executed.flatMap((e) => e.observation.deliveries ?? []);
        search.edges.push({ from, to, command, delivered });
      }
    frontier = next;
    search.counts.push(search.states.length);
  }
  return search;
}
