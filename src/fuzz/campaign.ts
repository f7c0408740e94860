import fc from 'fast-check';
import { INVARIANT_IDS, type Violation } from '../invariants/index.js';
import type { Found } from '../scenario/finding.js';
import { type Row, rowName } from '../scenario/row.js';
import { type Choice, interpret, runCommands } from './interpret.js';
import { minimize } from './minimize.js';

/** What fuzzing one row did. */
export interface RowResult {
  /** The row. */
  row: Row;
  /** Generated runs (shrinking excluded). */
  runs: number;
  /** Trace commands executed, shrinking included. */
  commands: number;
  /** Commands executed including guest reactions. */
  executed: number;
  /** Commands the model refused (negative ret or #GP). */
  refused: number;
  /** One counterexample per invariant found, in order of discovery. */
  found: Found[];
}

/** Budget and shape of a row's campaign. */
export interface RowOptions {
  /** Seed of the row (derive it with rowSeed). */
  seed: number;
  /** Generated runs at most. */
  runs: number;
  /** Choices per run at most (after the policy's setup). */
  maxCommands: number;
  /** Stop generating at this Date.now(); undefined: only `runs` bounds it. */
  deadline?: number;
  /** Stop as soon as this invariant has been found. */
  until?: string;
  /** Hunt only these invariants (default: all). */
  only?: readonly string[];
}

/** A row's seed: the campaign seed mixed with the row's name (FNV-1a), so rows are independent and stable. */
export function rowSeed(seed: number, row: Row): number {
  let hash = 0x811c9dc5 ^ seed;
  for (const char of rowName(row)) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash | 0;
}

/** Sequences of at most `maxCommands` fuzzer draws, shrinking towards fewer and smaller ones. */
export function choicesArbitrary(maxCommands: number): fc.Arbitrary<Choice[]> {
  return fc.array(fc.record({ aware: fc.boolean(), pick: fc.nat(1023) }), {
    maxLength: maxCommands,
    size: 'max',
  });
}

/**
 * Fuzzes one row: a fast-check property over choice sequences that fails on the first violation of an invariant
 * not found yet. Each failure is shrunk by fast-check, re-run, minimised, and recorded; the search then goes on
 * for the remaining invariants with the remaining runs.
 */
export function fuzzRow(row: Row, options: RowOptions): RowResult {
  const result: RowResult = { row, runs: 0, commands: 0, executed: 0, refused: 0, found: [] };
  const hunted = options.only ?? INVARIANT_IDS;
  const found = new Set<string>();
  const isNew = (v: Violation) => hunted.includes(v.invariant) && !found.has(v.invariant);
  for (let pass = 0; result.runs < options.runs && found.size < hunted.length; pass++) {
    const timeLeft = options.deadline === undefined ? undefined : options.deadline - Date.now();
    if (timeLeft !== undefined && timeLeft <= 0) break;
    const property = fc.property(choicesArbitrary(options.maxCommands), (choices) => {
      const run = interpret(row, choices, isNew);
      result.commands += run.commands.length;
      result.executed += run.executed;
      result.refused += run.refused;
      return !run.violations.some(isNew);
    });
    const details = fc.check(property, {
      seed: options.seed + pass,
      numRuns: options.runs - result.runs,
      ...(timeLeft === undefined ? {} : { interruptAfterTimeLimit: timeLeft, markInterruptAsFailure: false }),
    });
    result.runs += details.numRuns;
    const choices = details.counterexample?.[0];
    if (!details.failed || choices === undefined) break;
    const shrunk = interpret(row, choices, isNew);
    const violation = shrunk.violations.find(isNew) as Violation;
    const commands = minimize(row, shrunk.commands, violation.invariant, violation.expected !== null);
    const minimal = runCommands(row, commands).violations.find((v) => v.invariant === violation.invariant);
    found.add(violation.invariant);
    result.found.push({ row, violation: minimal ?? violation, commands, run: result.runs });
    if (violation.invariant === options.until) break;
  }
  return result;
}

/** Fuzzes every row with its seed derived from the campaign seed alone, as `seoib fuzz --runs` does. */
export function fuzz(rows: readonly Row[], options: Omit<RowOptions, 'deadline'>): RowResult[] {
  return rows.map((row) => fuzzRow(row, { ...options, seed: rowSeed(options.seed, row) }));
}
