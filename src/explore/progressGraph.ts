import { type Command, isIoctl } from '../model/command.js';

function grow(array: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  // Stryker disable next-line EqualityOperator: growing at an equal length only allocates early.
  if (length <= array.length) return array;
  const bigger = new Int32Array(Math.max(length, array.length * 2));
  bigger.set(array);
  return bigger;
}

/**
 * Progress moves are what the guest CPU and the device do; reprogramming the I/O APIC or an ioctl is a repair.
 * A pending interrupt that no sequence of progress moves delivers again is stuck.
 */
export function isProgress(command: Command): boolean {
  return !isIoctl(command) && command.op !== 'guest.ioapicWriteRte';
}

/** Where one vector (a mask bit) is pending and no sequence of progress moves ever delivers it again. */
export interface StuckVector {
  /** The vector's mask bit. */
  bit: number;
  /** Explored states where it is stuck. */
  states: number;
  /** The first such state by id, hence with the fewest commands from the start. */
  first: number;
}

/**
 * The explored graph restricted to progress moves, labelled with the vectors each move delivered, and the
 * vectors pending (level, unmasked, line asserted, Remote IRR set) at each state. Vectors are mask bits.
 */
export class ProgressGraph {
  // Stryker disable next-line ArithmeticOperator: a first allocation; grow() makes room either way.
  private edges = new Int32Array(3 * 4096);
  private edgeCount = 0;
  private pending = new Int32Array(4096);

  setPending(state: number, mask: number): void {
    this.pending = grow(this.pending, state + 1);
    this.pending[state] = mask;
  }

  addEdge(from: number, to: number, delivered: number): void {
    this.edges = grow(this.edges, 3 * (this.edgeCount + 1));
    this.edges.set([from, to, delivered], 3 * this.edgeCount++);
  }

  /**
   * Backward reachability per vector from the moves that deliver it. States not expanded (id ≥ `expanded`) may
   * have unexplored ways out, so they count as able to deliver: a deadlock is only reported where it is proven.
   */
  stuckVectors(states: number, expanded: number, vectorBits: number): StuckVector[] {
    const predecessors = this.reverse(states);
    const out: StuckVector[] = [];
    for (let bit = 0; bit < vectorBits; bit++) {
      const can = new Uint8Array(states);
      // Stryker disable next-line ArrayDeclaration: a junk entry has no predecessors, so it marks nothing.
      const queue: number[] = [];
      const mark = (id: number) => {
        if (can[id] === 0) {
          can[id] = 1;
          queue.push(id);
        }
      };
      // Stryker disable EqualityOperator: one past the end reads a zero-filled slot: no state, no delivery.
      for (let id = expanded; id < states; id++) mark(id);
      for (let e = 0; e < this.edgeCount; e++) {
        if (((this.edges[3 * e + 2] as number) & (1 << bit)) !== 0) mark(this.edges[3 * e] as number);
      }
      // Stryker restore EqualityOperator
      while (queue.length > 0) {
        const id = queue.pop() as number;
        for (let k = predecessors.start[id] as number; k < (predecessors.start[id + 1] as number); k++)
          mark(predecessors.from[k] as number);
      }
      let count = 0;
      let first = -1;
      // Stryker disable next-line EqualityOperator: one past the end, can[] reads undefined, not 0: nothing counted.
      for (let id = 0; id < states; id++) {
        if (can[id] === 0 && ((this.pending[id] as number) & (1 << bit)) !== 0) {
          count++;
          if (first < 0) first = id;
        }
      }
      if (count > 0) out.push({ bit, states: count, first });
    }
    return out;
  }

  private reverse(states: number): { start: Int32Array; from: Int32Array } {
    const start = new Int32Array(states + 1);
    for (let e = 0; e < this.edgeCount; e++) {
      const slot = (this.edges[3 * e + 1] as number) + 1;
      start[slot] = (start[slot] as number) + 1;
    }
    // Stryker disable next-line EqualityOperator: one past the end writes outside the Int32Array, which drops it.
    for (let id = 0; id < states; id++) start[id + 1] = (start[id + 1] as number) + (start[id] as number);
    const fill = start.slice(0, states);
    const from = new Int32Array(this.edgeCount);
    for (let e = 0; e < this.edgeCount; e++) {
      const to = this.edges[3 * e + 1] as number;
      from[fill[to] as number] = this.edges[3 * e] as number;
      fill[to] = (fill[to] as number) + 1;
    }
    return { start, from };
  }
}
