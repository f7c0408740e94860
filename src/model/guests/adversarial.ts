import type { GuestProfile } from './program.js';

/** A guest that does only what the trace says: every guest command is explicit. */
export const adversarial: GuestProfile = {
  name: 'adversarial',
  description: 'any guest command in any order, exactly as the trace or the fuzzer issues them; no reactions',
  program: { next: () => null },
};
