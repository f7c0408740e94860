import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { ioapicPinMachine } from '../../machines/ioapicPin.js';
import { lapicMachine } from '../../machines/lapic.js';
import { vmMachine } from '../../machines/vm.js';
import { WIRES } from '../../machines/wiring.js';
import { setVisitor, transitionId } from '../model/drive.js';

const MACHINES: readonly AnyStateMachine[] = [vmMachine, lapicMachine, ioapicPinMachine];

/** How much of the machines' own graph a run reached. */
export interface Coverage {
  /** State nodes reached / declared, and the ones never reached. */
  states: { reached: number; total: number; missing: string[] };
  /** Transitions (source node, event, handler index) taken / declared, and the ones never taken. */
  transitions: { reached: number; total: number; missing: string[] };
  /** Wires between the machines (machines/wiring.ts) taken / declared, and the ones never taken. */
  wiring: { reached: number; total: number; missing: string[] };
}

function walk(node: AnyStateNode, states: string[], transitions: string[]): void {
  states.push(node.id);
  for (const handlers of node.transitions.values()) transitions.push(...handlers.map(transitionId));
  transitions.push(...(node.always ?? []).map(transitionId));
  for (const child of Object.values(node.states)) walk(child as AnyStateNode, states, transitions);
}

/** Every state node and transition declared by the machines in machines/, and every wire between them. */
export function machineGraph(): { states: string[]; transitions: string[]; wiring: string[] } {
  const states: string[] = [];
  const transitions: string[] = [];
  for (const machine of MACHINES) walk(machine.root, states, transitions);
  return { states, transitions, wiring: [...WIRES.keys()] };
}

/** Runs `work` while recording what the machines visit. */
export function measureCoverage<T>(work: () => T): { result: T; visited: Set<string> } {
  const visited = new Set<string>();
  // advance() hands over one array per memoised answer, and a wire one per wire: each is read once.
  const read = new WeakSet<readonly string[]>();
  setVisitor((ids) => {
    if (read.has(ids)) return;
    read.add(ids);
    for (const id of ids) visited.add(id);
  });
  try {
    return { result: work(), visited };
  } finally {
    setVisitor(null);
  }
}

export function coverageOf(visited: ReadonlySet<string>): Coverage {
  const graph = machineGraph();
  const part = (ids: string[]) => {
    const missing = ids.filter((id) => !visited.has(id));
    return { reached: ids.length - missing.length, total: ids.length, missing };
  };
  return { states: part(graph.states), transitions: part(graph.transitions), wiring: part(graph.wiring) };
}
