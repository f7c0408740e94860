import * as v from 'valibot';
import { checkStep, startMonitors, type Violation } from '../invariants/index.js';
import type { Command } from './command.js';
import type { Expectation, Observation, ReactionJson } from './observation.js';
import { initialState, type ModelState } from './state.js';
import { step } from './step.js';
import type { Trace } from './trace.js';
import { commandJson, observationJson } from './traceFormat.js';
import { commandSchema, expectationSchema } from './traceSchema.js';

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
    ...commandJson(command.output as Command),
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
  for (const field of ['ret', 'vector', 'exits', 'deliveries', 'fault'] as const) {
    if (expect[field] !== undefined && !sameJson(expect[field], observed[field])) {
      report(field, expect[field], observed[field]);
    }
  }
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

/** Runs every command of a trace on the model and checks its expectations. */
export function runTrace(trace: Trace): TraceRun {
  let state = initialState(trace.profile, trace.config);
  const states = [state];
  const observations: Observation[] = [];
  const mismatches: Mismatch[] = [];
  const violations: Violation[] = [];
  let monitors = startMonitors();
  trace.commands.forEach((command, index) => {
    const result = step(state, command);
    const checked = checkStep(monitors, result.executed, index);
    monitors = checked.monitors;
    violations.push(...checked.violations);
    state = result.state;
    states.push(state);
    observations.push(result.observation);
    if (command.expect !== undefined)
      mismatches.push(...compareExpectation(index, command.expect, result.observation));
  });
  return { observations, mismatches, states, violations };
}

/** The trace with every command's `expect` replaced by what the model observed (record mode). */
export function recordTrace(trace: Trace, run: TraceRun): Trace {
  return {
    ...trace,
    commands: trace.commands.map((command, i) => {
      const { reactions, ...observed } = run.observations[i] as Observation;
      const expect: Expectation =
        reactions === undefined
          ? observed
          : { ...observed, reactions: observationJson({ reactions }).reactions as ReactionJson[] };
      return { ...command, expect };
    }),
  };
}
