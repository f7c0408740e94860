import type { VectorSet } from '../../machines/vectorSet.js';
import { type Checked, checkedStep, startChecked } from '../check/checkedRun.js';
import { deliverable } from '../invariants/eoiFacts.js';
import { noStuckPin } from '../invariants/eoiInvariants.js';
import type { Violation } from '../invariants/index.js';
import type { Command } from '../model/command.js';
import { MAX_REACTIONS } from '../model/step.js';
import { KERNEL_IOAPIC, quirksOf, VMMS } from '../model/vmms.js';
import { commandsFor } from '../scenario/alphabet.js';
import type { Found } from '../scenario/finding.js';
import { setupCommands } from '../scenario/policy.js';
import type { Row } from '../scenario/row.js';
import { isProgress, ProgressGraph } from './progressGraph.js';
import { StateKey, VECTOR_SET_BITS } from './stateKey.js';
import { StateTable } from './stateTable.js';

/**
 * State keys leave out the pins' successive-EOI counters: sound only while no path of `depth` commands can count
 * up to a throttle (each command runs at most MAX_REACTIONS reactions, each at most one EOI per pin).
 */
function assertThrottleOutOfReach(row: Row, depth: number): void {
  for (const vmm of [VMMS.get(row.vmm), KERNEL_IOAPIC]) {
    const throttle = vmm === undefined ? 0 : quirksOf(vmm).throttleEois;
    if (throttle > 0 && depth * (MAX_REACTIONS + 1) >= throttle)
      // Stryker disable next-line OptionalChaining: a throttle above 0 comes from a profile that is there.
      throw new Error(`explore: depth ${depth} could reach the ${vmm?.name} EOI throttle (${throttle} EOIs)`);
  }
}

/** Bounds and options of one exploration. */
export interface ExploreOptions {
  /** Commands after the policy's setup, at most. */
  depth: number;
  /** Expand no further state once this many are stored (the state being expanded still adds its successors). */
  maxStates: number;
  /** Merge states that are equal up to renaming vCPUs and pins (where renaming is a symmetry of the row). */
  symmetry: boolean;
  /** Called after each breadth-first layer. */
  onLayer?: (progress: LayerProgress) => void;
}

/** Where the search is after a layer. */
export interface LayerProgress {
  /** Layers done (commands after setup). */
  depth: number;
  /** States to expand next. */
  frontier: number;
  /** Distinct states stored. */
  states: number;
  /** Transitions taken. */
  transitions: number;
}

/** A vector pending at some state that no sequence of guest-CPU and device moves ever delivers again. */
export interface Deadlock {
  /** The stuck vector. */
  vector: number;
  /** Explored states where it is stuck. */
  states: number;
  /** The shortest trace body reaching one of them. */
  commands: Command[];
}

/** What exhaustive search of one row established. */
export interface ExploreResult {
  /** The row explored. */
  row: Row;
  /** Distinct states stored (up to symmetry when it is on). */
  states: number;
  /** Transitions taken (every command from every expanded state). */
  transitions: number;
  /** Layers fully expanded: no violation exists within this many commands after setup (up to maxStates). */
  depth: number;
  /** The search reached its fixpoint: every reachable state was expanded. */
  exhausted: boolean;
  /** maxStates stopped the search early. */
  truncated: boolean;
  /** Shortest counterexample per invariant, one expected and one unexpected at most, in order of discovery. */
  found: Found[];
  /** Vectors stuck as a graph property. */
  deadlocks: Deadlock[];
  /** Bytes of the visited set per stored state. */
  bytesPerState: number;
  /** States were merged up to renaming vCPUs and pins. */
  symmetry: boolean;
}

/** An explored state: its id in the state table, and where the checked run stands there. */
interface Node extends Checked {
  id: number;
}

/**
 * Vectors of level pins waiting for an EOI with the line still asserted, routed to a LAPIC that accepts them
 * and that the modelled guest can EOI (x2APIC: the model has no xAPIC MMIO). Pins no-stuck-pin excuses (the
 * driver rewrote the vector in flight, the interrupt was dropped or discarded) are left out, as there.
 */
function pendingVectors({ state, monitors }: Checked): number[] {
  const excused = monitors[noStuckPin.id] as VectorSet;
  const pending: number[] = [];
  state.pins.forEach((pin, index) => {
    const { trigger, masked, line, vector, dest } = pin.context;
    const waiting = pin.value === 'remoteIrrSet' && trigger === 'level' && !masked && line;
    if (
      waiting &&
      deliverable(state, index) &&
      state.lapics[dest]?.context.x2apic &&
      !excused.includes(index)
    )
      pending.push(vector);
  });
  return pending;
}

/**
 * Breadth-first search over step() from the row's setup, over every command of the row's alphabet, checking every
 * invariant on every transition. Because layers are expanded in order, the first violation of an invariant comes
 * with a shortest trace.
 */
export function explore(row: Row, options: ExploreOptions): ExploreResult {
  assertThrottleOutOfReach(row, options.depth);
  const setup = setupCommands(row);
  const table = commandsFor(
    row,
    Array.from({ length: row.config.vcpus }, (_, id) => id),
  );
  // A guest program serves the lowest vCPU and pin first, so renaming them is a symmetry of the model only
  // for the guest that has no program.
  const symmetry = options.symmetry && row.guest === 'adversarial';
  const key = new StateKey(row.config, symmetry);
  const visited = new StateTable(key.words, table.length);
  const graph = new ProgressGraph();
  const found: Found[] = [];
  const seen = new Set<string>();

  const pathTo = (id: number): Command[] => {
    const path: Command[] = [];
    for (let at = id; visited.parent(at) >= 0; at = visited.parent(at))
      path.push(table[visited.via(at)] as Command);
    return [...setup, ...path.reverse()];
  };
  const record = (violations: readonly Violation[], commands: () => Command[]) => {
    for (const violation of violations) {
      const kind = `${violation.invariant}/${violation.expected === null}`;
      if (seen.has(kind)) continue;
      seen.add(kind);
      found.push({ row, violation, commands: commands() });
    }
  };

  let start = startChecked({ kernel: row.kernel, vmm: row.vmm, guest: row.guest }, row.config);
  setup.forEach((command, index) => {
    const checked = checkedStep(start, command, index);
    record(checked.violations, () => setup.slice(0, index + 1));
    start = checked.next;
  });
  visited.intern(key.encode(start.state, start.monitors), -1, 0);
  graph.setPending(0, key.vectorMask(pendingVectors(start)));

  let frontier: Node[] = [{ id: 0, ...start }];
  let depth = 0;
  let transitions = 0;
  let truncated = false;
  let expanded = 0;
  while (frontier.length > 0 && depth < options.depth && !truncated) {
    const next: Node[] = [];
    for (const node of frontier) {
      if (visited.count >= options.maxStates) {
        truncated = true;
        break;
      }
      table.forEach((command, via) => {
        if ('vcpu' in command && node.state.lapics[command.vcpu] == null) return;
        const checked = checkedStep(node, command, setup.length + depth);
        transitions++;
        record(checked.violations, () => [...pathTo(node.id), command]);
        const stored = visited.count;
        const to = visited.intern(key.encode(checked.next.state, checked.next.monitors), node.id, via);
        if (visited.count > stored) {
          graph.setPending(to, key.vectorMask(pendingVectors(checked.next)));
          next.push({ id: to, ...checked.next });
        }
        if (isProgress(command)) {
          // A progress command and the guest's reactions are guest or device moves, whose deliveries step() always sets.
          const delivered = checked.result.executed.flatMap((e) => e.observation.deliveries as number[]);
          graph.addEdge(node.id, to, key.vectorMask(delivered));
        }
      });
      expanded = node.id + 1;
    }
    if (truncated) break;
    frontier = next;
    depth++;
    options.onLayer?.({ depth, frontier: frontier.length, states: visited.count, transitions });
  }
  const exhausted = frontier.length === 0 && !truncated;
  const deadlocks = graph.stuckVectors(visited.count, expanded, VECTOR_SET_BITS).map((stuck) => ({
    vector: key.vectorOf(stuck.bit),
    states: stuck.states,
    commands: pathTo(stuck.first),
  }));
  return {
    row,
    states: visited.count,
    transitions,
    depth,
    exhausted,
    truncated,
    found,
    deadlocks,
    bytesPerState: visited.bytesPerState(),
    symmetry,
  };
}
