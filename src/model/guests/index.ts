import { adversarial } from './adversarial.js';
import { credentialGuard } from './credentialGuard.js';
import { linux, linuxIr } from './linux.js';
import type { GuestProfile } from './program.js';
import { windowsHyperv } from './windowsHyperv.js';
import { xenL1 } from './xenL1.js';

export const GUESTS: ReadonlyMap<string, GuestProfile> = new Map(
  [linux, linuxIr, windowsHyperv, credentialGuard, xenL1, adversarial].map((g) => [g.name, g]),
);
