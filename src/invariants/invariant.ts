import type { Executed } from '../model/step.js';

/** Where in a trace an executed command sits: the trace command's index, and which reaction (null: the command). */
export interface Position {
  /** Index of the trace command. */
  index: number;
  /** Index of the guest reaction within that command's step, or null for the command itself. */
  reaction: number | null;
}

/** Documented behaviour a violation may be: the reason, and when it applies (src/invariants/excuses.ts). */
export interface Excuse {
  /** Why this is documented behaviour, not a regression. */
  reason: string;
  /** Whether it covers a violation at this executed command. */
  applies: (executed: Executed) => boolean;
}

/** A named predicate over (state before, command, state after, observation), checked after every command. */
export interface Invariant<M = unknown> {
  /** Stable id, e.g. `no-storm`. */
  id: string;
  /** One-line statement of what must hold. */
  statement: string;
  /** The spec clause it protects (DESIGN or the patch). */
  clause: string;
  /** Where it applies. */
  appliesTo: string;
  /** The documented behaviour its violations may be, first match wins; none covers an unexpected violation. */
  excuses: readonly Excuse[];
  /** Monitor state before the first command (what it remembers between commands). */
  initial: M;
  /** What the monitor carries from one trace command to the next (a set of vectors or of pins); absent: nothing. */
  carries?: 'vectors' | 'pins';
  /** Checks one executed command; returns the next monitor and, when violated, what went wrong. */
  check(monitor: M, executed: Executed, position: Position): { monitor: M; violation?: string };
}

/** Why a violation of `invariant` at `executed` is documented behaviour, or undefined when it is not. */
export function excuseOf(invariant: Invariant, executed: Executed): string | undefined {
  return invariant.excuses.find((excuse) => excuse.applies(executed))?.reason;
}

/** An invariant that needs no memory between commands. */
export function stateless(
  spec: Omit<Invariant<undefined>, 'initial' | 'check'>,
  violation: (executed: Executed) => string | undefined,
): Invariant<undefined> {
  return {
    ...spec,
    initial: undefined,
    check: (monitor, executed) => {
      const found = violation(executed);
      return found === undefined ? { monitor } : { monitor, violation: found };
    },
  };
}
