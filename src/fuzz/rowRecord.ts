import { join } from 'node:path';
import type { Violation } from '../invariants/index.js';
import type { Row } from '../scenario/row.js';
import { fuzzRow, type RowOptions, rowSeed } from './campaign.js';
import { counterexampleFile, counterexampleText } from './counterexample.js';
import { measureCoverage } from './coverage.js';

/** A counterexample as a campaign records it: the trace itself is a file beside the record. */
export interface FoundRecord {
  /** The violation as the minimal trace shows it. */
  violation: Violation;
  /** Trace commands of the minimal trace. */
  commands: number;
  /** Runs the row had generated when the violation first showed. */
  run: number;
  /** The trace file's name inside the campaign folder. */
  file: string;
}

/** What fuzzing one row did, in a form that can be stored, sent between threads and merged. */
export interface RowRecord {
  /** Position of the row in the campaign's full row selection (shards keep it, merge sorts by it). */
  position: number;
  /** The row. */
  row: Row;
  /** Generated runs. */
  runs: number;
  /** Trace commands executed, shrinking included. */
  commands: number;
  /** Commands the model refused (negative ret or #GP). */
  refused: number;
  /** Counterexamples, one per invariant found, in order of discovery. */
  found: FoundRecord[];
  /** Machine states and transitions the row visited, sorted. */
  visited: string[];
}

/** The budget of every row of a campaign; a row's seed is derived from `seed` and the row alone. */
export interface RowBudget extends Omit<RowOptions, 'seed' | 'deadline'> {
  /** Campaign seed. */
  seed: number;
  /** Wall-time budget of one row in ms, instead of `runs`. */
  rowTimeMs?: number;
}

/** Fuzzes a row, writes its counterexamples into `out` (atomically, before the record exists) and records it. */
export function fuzzRowRecord(
  row: Row,
  position: number,
  budget: RowBudget,
  out: string,
  write: (path: string, text: string) => void,
): RowRecord {
  const { rowTimeMs, seed, ...options } = budget;
  const { result, visited } = measureCoverage(() =>
    fuzzRow(row, {
      ...options,
      seed: rowSeed(seed, row),
      ...(rowTimeMs === undefined ? {} : { runs: Number.MAX_SAFE_INTEGER, deadline: Date.now() + rowTimeMs }),
    }),
  );
  const found = result.found.map((f) => {
    const file = counterexampleFile('', f);
    write(join(out, file), counterexampleText(f));
    return { violation: f.violation, commands: f.commands.length, run: f.run ?? result.runs, file };
  });
  return {
    position,
    row,
    runs: result.runs,
    commands: result.commands,
    refused: result.refused,
    found,
    visited: [...visited].sort(),
  };
}
