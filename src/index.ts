/** seoib's library API. */

export { type Found, fuzzRow, type RowResult, rowSeed } from './fuzz/campaign.js';
export { INVARIANTS, type Violation } from './invariants/index.js';
export type { Command } from './model/command.js';
export type { Observation } from './model/observation.js';
export { type Mismatch, recordTrace, runTrace, type TraceRun } from './model/runTrace.js';
export { initialState, type ModelState } from './model/state.js';
export { type StepResult, step } from './model/step.js';
export { parseTrace, type Trace, TraceInputError } from './model/trace.js';
export { serializeTrace } from './model/traceFormat.js';
