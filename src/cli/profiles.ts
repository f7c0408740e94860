import { GUESTS } from '../model/guests/index.js';
import { KERNELS } from '../model/kernels.js';
import { VMMS } from '../model/vmms.js';
import { type CliIo, EXIT } from './io.js';

/** `seoib profiles`: every kernel, VMM and guest profile with its one-line description. */
export function listProfiles(io: CliIo, json: boolean): number {
  const groups = {
    kernel: [...KERNELS.values()],
    vmm: [...VMMS.values()],
    guest: [...GUESTS.values()],
  };
  if (json) {
    const out = Object.fromEntries(
      Object.entries(groups).map(([kind, list]) => [
        kind,
        list.map(({ name, description }) => ({ name, description })),
      ]),
    );
    io.out(`${JSON.stringify(out, null, 2)}\n`);
    return EXIT.ok;
  }
  for (const [kind, list] of Object.entries(groups)) {
    io.out(`${kind}:\n`);
    const width = Math.max(...list.map((p) => p.name.length));
    for (const p of list) io.out(`  ${p.name.padEnd(width)}  ${p.description}\n`);
  }
  return EXIT.ok;
}
