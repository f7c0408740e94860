import type { Violation } from '../invariants/index.js';

/** One violation as the CLI prints it: invariant, trace position, what went wrong, and whether it is documented. */
export function violationLine(v: Violation): string {
  const where = v.reaction === null ? `[${v.index}]` : `[${v.index}] reaction ${v.reaction}`;
  const verdict = v.expected === null ? 'VIOLATED' : `expected (${v.expected})`;
  return `${v.invariant} ${where}: ${v.detail}: ${verdict}`;
}
