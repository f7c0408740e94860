import { adversarial } from './adversarial.js';
import { credentialGuard } from './credentialGuard.js';
import { linux } from './linux.js';
import type { GuestProfile } from './program.js';
import { windowsHyperv } from './windowsHyperv.js';

export const GUESTS: ReadonlyMap<string, GuestProfile> = new Map(
  [linux, windowsHyperv, credentialGuard, adversarial].map((g) => [g.name, g]),
);
