import { checkStep, type Monitors, startMonitors, type Violation } from '../invariants/index.js';
import type { Command } from '../model/command.js';
import type { Config, ProfileNames } from '../model/config.js';
import { initialState, type ModelState } from '../model/state.js';
import { type StepResult, step } from '../model/step.js';

/** Where a checked run stands between two trace commands: the model state and every invariant's monitor. */
export interface Checked {
  /** The model state. */
  state: ModelState;
  /** Each invariant's monitor, by invariant id. */
  monitors: Monitors;
}

/** One trace command as a checked run takes it. */
export interface CheckedStep {
  /** Where the run stands after the command and the guest's reactions. */
  next: Checked;
  /** The model's step: observation and every executed command. */
  result: StepResult;
  /** The invariants it violated, each once. */
  violations: Violation[];
}

/** A checked run's start: the initial state of these profiles, every monitor at its initial value. */
export function startChecked(profile: ProfileNames, config: Config): Checked {
  return { state: initialState(profile, config), monitors: startMonitors() };
}

/**
 * The one checked step every runner takes (replay, fuzz, explore, the kernel runner): `command`, trace command
 * number `index`, on the model from `from`, then every invariant over it and its reactions.
 */
export function checkedStep(from: Checked, command: Command, index: number): CheckedStep {
  const result = step(from.state, command);
  const checked = checkStep(from.monitors, result.executed, index);
  return {
    next: { state: result.state, monitors: checked.monitors },
    result,
    violations: checked.violations,
  };
}
