/** seoib inside a VMM project's own vitest suite: `import { describeVmm } from 'seoib/vitest'`. */
import { test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { choicesArbitrary } from './fuzz/campaign.js';
import { recordedTrace } from './fuzz/counterexample.js';
import { interpret } from './fuzz/interpret.js';
import { failingViolations, type VmmCheckOptions, vmmRows } from './library/vmmCheck.js';
import { serializeTrace } from './model/traceFormat.js';
import { registerVmm, type VmmProfile } from './model/vmms.js';
import { rowName } from './scenario/row.js';

/** Fuzzing budget of each row's property. */
export interface DescribeVmmOptions extends VmmCheckOptions {
  /** fast-check seed (default: fast-check's, printed on failure). */
  seed?: number;
  /** Runs per row (default 200). */
  numRuns?: number;
  /** Fuzzer draws per run at most (default 30). */
  maxCommands?: number;
}

/**
 * Registers `profile` for its tests and declares one property test per kernel × policy × guest row: every invariant
 * holds after every command of every generated run. A failure is shrunk by fast-check and reported with the
 * violations and the minimal seoib-trace/1 trace, ready for `seoib replay`.
 */
export function describeVmm(profile: VmmProfile, options: DescribeVmmOptions = {}): void {
  const unregister = registerVmm(profile);
  describe(`seoib invariants for VMM ${profile.name}`, () => {
    // Files may share one module registry (vitest --isolate=false): the profile leaves with its tests.
    afterAll(unregister);
    for (const row of vmmRows(profile.name, options)) {
      const parameters = {
        numRuns: options.numRuns ?? 200,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      };
      test.prop([choicesArbitrary(options.maxCommands ?? 30)], parameters)(rowName(row), (choices) => {
        const violations = failingViolations(row, choices, options.failOn);
        if (violations.length === 0) return;
        const trace = serializeTrace(recordedTrace(row, interpret(row, choices).commands));
        expect(
          violations,
          `the failing run as a seoib-trace/1 trace (save it, then: seoib replay <file>):\n${trace}`,
        ).toEqual([]);
      });
    }
  });
}

export type { VmmProfile } from './model/vmms.js';
