import { checkedStep, startChecked } from '../check/checkedRun.js';
import type { Violation } from '../invariants/index.js';
import type { Command } from '../model/command.js';
import type { ModelState } from '../model/state.js';
import { accepted, alphabet } from '../scenario/alphabet.js';
import { setupCommands } from '../scenario/policy.js';
import type { Row } from '../scenario/row.js';

/** One fuzzer draw: from the commands the machines accept now (state-aware), or from all of them. */
export interface Choice {
  /** Draw from the accepted commands (true) or from the whole alphabet (false). */
  aware: boolean;
  /** Which one (modulo the number of candidates). */
  pick: number;
}

/** The outcome of running one sequence of choices. */
export interface Interpreted {
  /** The concrete commands, setup included: a valid trace body. */
  commands: Command[];
  /** Invariant violations, in order. */
  violations: Violation[];
  /** Commands the model refused (negative ret or #GP). */
  refused: number;
  /** Commands executed including guest reactions. */
  executed: number;
}

function choose(
  candidates: readonly Command[],
  choice: Choice,
  isAccepted: (c: Command) => boolean,
): Command | undefined {
  const n = candidates.length;
  if (!choice.aware) return candidates[choice.pick % n];
  // Scan from the drawn position to the next accepted command: no draw is ever discarded.
  // Stryker disable next-line EqualityOperator: one more step lands on the drawn position, already refused.
  for (let k = 0; k < n; k++) {
    const candidate = candidates[(choice.pick + k) % n] as Command;
    if (isAccepted(candidate)) return candidate;
  }
  return undefined;
}

/** Runs commands (a valid trace body) on the model, checking every invariant, stopping at `stop`. */
export function runCommands(
  row: Row,
  commands: readonly Command[],
  stop?: (v: Violation) => boolean,
): Interpreted {
  return drive(row, commands.length, (_, i) => commands[i], stop);
}

/** Turns choices into concrete commands against the live model (after the policy's setup). */
export function interpret(
  row: Row,
  choices: readonly Choice[],
  stop?: (v: Violation) => boolean,
): Interpreted {
  const setup = setupCommands(row);
  return drive(
    row,
    setup.length + choices.length,
    (state, i) => {
      if (i < setup.length) return setup[i];
      const choice = choices[i - setup.length] as Choice;
      return choose(alphabet(state, row), choice, (c) => accepted(state, c));
    },
    stop,
  );
}

function drive(
  row: Row,
  length: number,
  next: (state: ModelState, i: number) => Command | undefined,
  stop?: (v: Violation) => boolean,
): Interpreted {
  let run = startChecked({ kernel: row.kernel, vmm: row.vmm, guest: row.guest }, row.config);
  const commands: Command[] = [];
  const violations: Violation[] = [];
  let refused = 0;
  let executed = 0;
  for (let i = 0; i < length; i++) {
    const command = next(run.state, i);
    if (command === undefined) continue;
    const checked = checkedStep(run, command, commands.length);
    commands.push(command);
    run = checked.next;
    violations.push(...checked.violations);
    executed += checked.result.executed.length;
    const { ret, fault } = checked.result.observation;
    if ((ret !== undefined && ret < 0) || fault !== undefined) refused++;
    if (stop !== undefined && checked.violations.some(stop)) break;
  }
  return { commands, violations, refused, executed };
}
