import type { Executed } from '../model/step.js';
import { noMissedEoiQuirk, noStorm, noStuckPin, noUnmaskBeforeIoapicEoi } from './eoiInvariants.js';
import { excuseOf, type Invariant, type Position } from './invariant.js';
import {
  checkExtensionTruthful,
  enableNeedsSplit,
  failedIoctlAtomic,
  flagsExclusive,
} from './ioctlInvariants.js';
import { lvrAdvertise, spivNeedsLvr } from './registerInvariants.js';

/** Every invariant, in report order. */
export const INVARIANTS: readonly Invariant[] = [
  flagsExclusive,
  enableNeedsSplit,
  failedIoctlAtomic,
  lvrAdvertise,
  spivNeedsLvr,
  noUnmaskBeforeIoapicEoi,
  noMissedEoiQuirk,
  noStorm,
  noStuckPin,
  checkExtensionTruthful,
] as Invariant[];

export const INVARIANT_IDS: readonly string[] = INVARIANTS.map((i) => i.id);

/** One invariant violated at one executed command. */
export interface Violation {
  /** Invariant id. */
  invariant: string;
  /** Index of the trace command whose step violated it. */
  index: number;
  /** Which guest reaction of that step, or null for the command itself. */
  reaction: number | null;
  /** What went wrong. */
  detail: string;
  /** Why this is documented behaviour, or null when it is unexpected. */
  expected: string | null;
}

/** Monitor state of every invariant, by invariant id. */
export type Monitors = Readonly<Record<string, unknown>>;

export function startMonitors(): Monitors {
  return Object.fromEntries(INVARIANTS.map((i) => [i.id, i.initial]));
}

/**
 * Checks every invariant over one trace command's executed commands (the command, then its reactions). An
 * invariant is reported at most once per trace command (a storm repeats the same violation at every EOI), in
 * INVARIANTS order.
 */
export function checkStep(
  monitors: Monitors,
  executed: readonly Executed[],
  index: number,
): { monitors: Monitors; violations: Violation[] } {
  const next: Record<string, unknown> = {};
  const violations: Violation[] = [];
  const positions = executed.map((_, n): Position => ({ index, reaction: n === 0 ? null : n - 1 }));
  for (const invariant of INVARIANTS) {
    let monitor = monitors[invariant.id];
    let reported = false;
    executed.forEach((e, at) => {
      const position = positions[at] as Position;
      const result = invariant.check(monitor, e, position);
      monitor = result.monitor;
      if (result.violation === undefined || reported) return;
      reported = true;
      const violation: Violation = {
        invariant: invariant.id,
        index,
        reaction: position.reaction,
        detail: result.violation,
        expected: excuseOf(invariant, e) ?? null,
      };
      violations.push(violation);
    });
    next[invariant.id] = monitor;
  }
  return { monitors: next, violations };
}
