/** seoib's library API. */

export { type Mismatch, recordTrace, runTrace, type TraceRun } from './check/runTrace.js';
export { type ExploreOptions, type ExploreResult, explore } from './explore/explore.js';
export { fuzz, fuzzRow, type RowResult, rowSeed } from './fuzz/campaign.js';
export { recordedTrace } from './fuzz/counterexample.js';
export { FAIL_ON_MODES, type FailOn, fails } from './invariants/failOn.js';
export { INVARIANTS, INVARIANTS as invariants, type Violation } from './invariants/index.js';
export { failingViolations, type VmmCheckOptions, vmmRows } from './library/vmmCheck.js';
export type { Command } from './model/command.js';
export type { Config } from './model/config.js';
export { GUESTS } from './model/guests/index.js';
export { KERNELS } from './model/kernels.js';
export type { Observation } from './model/observation.js';
export { initialState, type ModelState } from './model/state.js';
export { type StepResult, step } from './model/step.js';
export { parseTrace, type Trace, TraceInputError } from './model/trace.js';
export { serializeTrace } from './model/traceFormat.js';
export { registerVmm, VMMS, type VmmProfile } from './model/vmms.js';
export type { Found } from './scenario/finding.js';
export { makeRow, POLICIES, type Policy, type Row, rowName } from './scenario/row.js';
