import type { Violation } from '../invariants/index.js';
import type { Command } from '../model/command.js';
import type { Row } from './row.js';

/** A violation found on a row, by fuzzing or by exhaustive search, with the shortest trace known to show it. */
export interface Found {
  /** The row it was found on. */
  row: Row;
  /** The violation as the minimal trace shows it. */
  violation: Violation;
  /** The minimal trace body. */
  commands: Command[];
  /** Fuzzing only: how many runs the row had generated when the violation first showed (the run itself included). */
  run?: number;
}
