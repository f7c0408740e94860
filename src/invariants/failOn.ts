/** The modes of `--fail-on`: which violations make a run fail. */
export const FAIL_ON_MODES = ['any', 'unexpected'] as const;

/**
 * `any` (the default): every violation fails, documented or not, since a storm or a stuck pin hurts a VMM's users
 * whether or not the kernel documents it. `unexpected`: only violations no documented behaviour explains, the
 * regression mode of a campaign that covers known-bad rows on purpose.
 */
export type FailOn = (typeof FAIL_ON_MODES)[number];

/** Whether a violation (its documented reason, or null) fails a run under `failOn`. */
export function fails(violation: { expected: string | null }, failOn: FailOn): boolean {
  return failOn === 'any' || violation.expected === null;
}
