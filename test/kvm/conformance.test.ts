import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, connect, guestLeftOut, type KernelSource } from '../../src/kvm/connect.js';
import { kernelInfo } from '../../src/kvm/kernelInfo.js';
import { runOnKernel } from '../../src/kvm/kernelRun.js';
import { KvmUnavailable } from '../../src/kvm/kvmUnavailable.js';
import { parseTrace } from '../../src/model/trace.js';

const corpus = join(import.meta.dirname, '..', 'corpus');
const BOOT_MS = 400_000;

/** Every corpus trace written for a kernel profile: its own folder, and the scenarios and findings on it. */
function tracesOf(kernelProfile: string): string[] {
  return [kernelProfile, 'scenarios', 'found'].flatMap((folder) =>
    readdirSync(join(corpus, folder))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(folder, f))
      .filter((name) => {
        const file = join(corpus, name);
        return parseTrace(readFileSync(file, 'utf8'), file).profile.kernel === kernelProfile;
      }),
  );
}

/**
 * Reference kernels: Debian bookworm's (before the patch) and sid's (patched), booted under QEMU TCG, and this
 * machine's /dev/kvm, which runs the traces of whichever of the two profiles it answers as.
 */
const kernels: { profile: string; source: KernelSource }[] = [
  ...(existsSync('/dev/kvm') ? [{ profile: 'local', source: { kind: 'local' } as const }] : []),
  { profile: 'legacy', source: { kind: 'qemu', suite: 'bookworm' } },
  { profile: 'upstream', source: { kind: 'qemu', suite: 'sid' } },
];

describe.each(kernels)('conformance: $profile kernel', ({ profile, source }) => {
  let connection: Connection | undefined;
  let unavailable = '';
  /** The kernel profiles the kernel answers the probe as. */
  let matches: string[] = [];

  beforeAll(async () => {
    try {
      connection = await connect(source);
      matches = (await kernelInfo(connection.runner)).matches;
      console.log(`conformance: ${connection.kernel} ready in ${connection.bootSeconds.toFixed(1)} s`);
      const noGuest = guestLeftOut(connection);
      if (noGuest !== undefined) console.log(`conformance (${profile}): ${noGuest}; each trace runs to it`);
    } catch (error) {
      if (!(error instanceof KvmUnavailable)) throw error;
      unavailable = error.message.split('\n')[0] as string;
      console.log(`conformance (${profile}) skipped: ${unavailable}`);
    }
  }, BOOT_MS);

  afterAll(() => connection?.runner.close());

  it('answers the probe as its kernel profile does', (context) => {
    if (connection === undefined) return context.skip(unavailable);
    if (profile !== 'local') expect(matches).toEqual([profile]);
    else expect(matches.length).toBeGreaterThan(0);
  });

  it.skipIf(profile === 'local')("runs the runner's guest as hardware would (the probe)", (context) => {
    if (connection === undefined) return context.skip(unavailable);
    expect(connection.guest).toEqual({
      architectural: true,
      detail: 'an interrupt the guest takes (vector 64) stays in service until its EOI',
    });
  });

  it.for(profile === 'local' ? [...tracesOf('legacy'), ...tracesOf('upstream')] : tracesOf(profile))(
    `%s: the kernel agrees with the model on every command it can issue`,
    async (name, context) => {
      if (connection === undefined) return context.skip(unavailable);
      const file = join(corpus, name);
      const trace = parseTrace(readFileSync(file, 'utf8'), file);
      if (!matches.includes(trace.profile.kernel))
        return context.skip(`${connection.kernel} answers as ${matches.join(', ') || 'no profile'}`);
      const run = await runOnKernel(connection.runner, trace, { noGuest: guestLeftOut(connection) });
      expect(run.ran).toBeGreaterThan(0);
      expect(run.disagreements).toEqual([]);
    },
  );
});
