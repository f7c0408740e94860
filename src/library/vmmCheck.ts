import type { Choice } from '../fuzz/interpret.js';
import { interpret } from '../fuzz/interpret.js';
import { type FailOn, fails } from '../invariants/failOn.js';
import type { Violation } from '../invariants/index.js';
import type { Config } from '../model/config.js';
import { GUESTS } from '../model/guests/index.js';
import { POLICIES, type Policy, policyApplies, type Row } from '../scenario/row.js';

/** Which rows to check a VMM profile on, and what counts as a failure. */
export interface VmmCheckOptions {
  /** Kernel profiles (default: upstream, the patched kernel). */
  kernels?: readonly string[];
  /** Setup policies the VMM may use (default: none, enable, disable). */
  policies?: readonly Policy[];
  /** Guest profiles (default: every named guest). */
  guests?: readonly string[];
  /** Bounded machine (default: 1 vCPU, 2 pins). */
  config?: Config;
  /** Which violations fail (default `any`, as `seoib fuzz --fail-on`). */
  failOn?: FailOn;
}

/** The kernel × policy × guest rows a VMM profile is checked on. */
export function vmmRows(vmm: string, options: VmmCheckOptions = {}): Row[] {
  const kernels = options.kernels ?? ['upstream'];
  const policies = (options.policies ?? POLICIES.filter((policy) => policy !== 'adversarial')).filter(
    (policy) => policyApplies(vmm, policy),
  );
  const guests = options.guests ?? [...GUESTS.keys()].filter((guest) => guest !== 'adversarial');
  const config = options.config ?? { vcpus: 1, pins: 2 };
  return kernels.flatMap((kernel) =>
    policies.flatMap((policy) => guests.map((guest) => ({ kernel, vmm, policy, guest, config }))),
  );
}

/** The violations a run of fuzzer draws on `row` produces that count as failures. */
export function failingViolations(row: Row, choices: readonly Choice[], failOn: FailOn = 'any'): Violation[] {
  const counts = (v: Violation) => fails(v, failOn);
  return interpret(row, choices, counts).violations.filter(counts);
}
