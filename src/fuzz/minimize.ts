import type { Command } from '../model/command.js';
import { findReferenceError } from '../model/trace.js';
import { setupCommands } from '../scenario/policy.js';
import type { Row } from '../scenario/row.js';
import { runCommands } from './interpret.js';

/**
 * Removes commands one at a time, from the end, while the same invariant is still violated the same way
 * (expected or not), until no single removal keeps it: a 1-minimal trace. The policy's setup stays.
 */
export function minimize(
  row: Row,
  commands: readonly Command[],
  invariant: string,
  expected: boolean,
): Command[] {
  const keep = setupCommands(row).length;
  const reproduces = (candidate: readonly Command[]) =>
    runCommands(row, candidate, (v) => v.invariant === invariant).violations.some(
      (v) => v.invariant === invariant && (v.expected !== null) === expected,
    );
  let current = [...commands];
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = current.length - 1; i >= keep; i--) {
      const candidate = current.filter((_, j) => j !== i);
      if (findReferenceError(candidate, row.config) === undefined && reproduces(candidate)) {
        current = candidate;
        changed = true;
      }
    }
  }
  return current;
}
