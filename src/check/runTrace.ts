import * as v from 'valibot';
import type { Violation } from '../invariants/index.js';
import type { Expectation, Observation, ReactionJson } from '../model/observation.js';
import { initialState, type ModelState } from '../model/state.js';
import type { Trace } from '../model/trace.js';
import { commandJson, observationJson } from '../model/traceFormat.js';
import { commandSchema, expectationSchema } from '../model/traceSchema.js';
import { checkedStep, startChecked } from './checkedRun.js';

/** An `expect` field the model did not observe as written. */
export interface Mismatch {
  /** Index of the command in the trace. */
  index: number;
  /** The `expect` field. */
  field: string;
  /** What the trace expects. */
  expected: unknown;
  /** What the model observed (null when the command observes no such field). */
  observed: unknown;
}

/** The result of running a trace on the model. */
export interface TraceRun {
  /** One observation per command. */
  observations: Observation[];
  /** Every expectation that did not hold. */
  mismatches: Mismatch[];
  /** The model state before each command and after the last: states[i] precedes commands[i]. */
  states: ModelState[];
  /** Every invariant violation, expected (documented) or not. */
  violations: Violation[];
}

/** A reaction from a trace file in canonical JSON, so "0x803" and 2051 compare equal. */
function canonicalReaction(raw: ReactionJson): string {
  const { observed, ...fields } = raw;
  const command = v.safeParse(commandSchema, fields);
  const observation = v.safeParse(expectationSchema, observed ?? {});
  if (!command.success || !observation.success) return JSON.stringify(raw);
  return JSON.stringify({
    ...commandJson(command.output),
    observed: observationJson(observation.output as unknown as Observation),
  });
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Compares one command's `expect` with its observation. */
export function compareExpectation(index: number, expect: Expectation, observed: Observation): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const report = (field: string, expected: unknown, actual: unknown) =>
    mismatches.push({ index, field, expected, observed: actual ?? null });
  for (const field of ['ret', 'vector', 'exits', 'deliveries'] as const) {
    if (expect[field] !== undefined && !sameJson(expect[field], observed[field])) {
      report(field, expect[field], observed[field]);
    }
  }
  // null states that the instruction does not fault.
  if (expect.fault !== undefined && expect.fault !== (observed.fault ?? null))
    report('fault', expect.fault, observed.fault);
  if (expect.value !== undefined) {
    const mask = expect.mask ?? 0xffff_ffff;
    if (observed.value === undefined || (observed.value & mask) >>> 0 !== (expect.value & mask) >>> 0) {
      report('value', expect.value, observed.value);
    }
  }
  if (expect.reactions !== undefined) {
    const expected = expect.reactions.map(canonicalReaction);
    const actual = observationJson(observed).reactions ?? [];
    const actualText = (actual as unknown[]).map((r) => JSON.stringify(r));
    if (!sameJson(expected, actualText)) report('reactions', expect.reactions, actual);
  }
  return mismatches;
}

/** One trace command run on the model: what it observed, the expectations it missed, the violations it made. */
export interface TraceStep {
  /** Index of the command in the trace. */
  index: number;
  /** Its observation. */
  observation: Observation;
  /** Its `expect` fields that did not hold. */
  mismatches: Mismatch[];
  /** Invariants it violated. */
  violations: Violation[];
  /** The model state after it. */
  state: ModelState;
}

/**
 * The trace's commands run on the model one at a time, each with its expectations and invariants checked. Nothing
 * is kept between commands but the state and the monitors, so a long trace replays in the memory of one step.
 */
export function* traceSteps(trace: Trace): Generator<TraceStep> {
  let run = startChecked(trace.profile, trace.config);
  for (const [index, command] of trace.commands.entries()) {
    const { next, result, violations } = checkedStep(run, command, index);
    run = next;
    const mismatches =
      command.expect === undefined ? [] : compareExpectation(index, command.expect, result.observation);
    yield { index, observation: result.observation, mismatches, violations, state: next.state };
  }
}

/** Runs every command of a trace on the model and checks its expectations, keeping every state. */
export function runTrace(trace: Trace): TraceRun {
  const states = [initialState(trace.profile, trace.config)];
  const observations: Observation[] = [];
  const mismatches: Mismatch[] = [];
  const violations: Violation[] = [];
  for (const step of traceSteps(trace)) {
    states.push(step.state);
    observations.push(step.observation);
    mismatches.push(...step.mismatches);
    violations.push(...step.violations);
  }
  return { observations, mismatches, states, violations };
}

/** The trace with every command's `expect` replaced by what the model observed (record mode). */
export function recordTrace(trace: Trace, observations: readonly Observation[]): Trace {
  return {
    ...trace,
    commands: trace.commands.map((command, i) => {
      const { reactions, ...observed } = observations[i] as Observation;
      const expect: Expectation =
        reactions === undefined
          ? observed
          : { ...observed, reactions: observationJson({ reactions }).reactions as ReactionJson[] };
      return { ...command, expect };
    }),
  };
}
