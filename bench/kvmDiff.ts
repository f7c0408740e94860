/**
 * Differential fuzzing against both reference kernels: 2,000 random traces (ioctls, guest, device) each (seoib kvm diff), on
 * Debian bookworm (legacy) and sid (patched) under QEMU TCG, plus this machine's /dev/kvm when present. Prints boot
 * time, traces/s and the disagreements; asserts nothing.
 */
import { existsSync } from 'node:fs';
import { connect, guestLeftOut, type KernelSource } from '../src/kvm/connect.js';
import { diffKernel } from '../src/kvm/kernelDiff.js';
import { kernelInfo } from '../src/kvm/kernelInfo.js';
import { KvmUnavailable } from '../src/kvm/kvmUnavailable.js';

const RUNS = Number(process.env.SEOIB_DIFF_RUNS ?? 2000);
const SEED = 20261125;
const sources: KernelSource[] = [
  ...(existsSync('/dev/kvm') ? [{ kind: 'local' } as const] : []),
  { kind: 'qemu', suite: 'bookworm' },
  { kind: 'qemu', suite: 'sid' },
];

for (const source of sources) {
  try {
    const connection = await connect(source);
    try {
      const [profile] = (await kernelInfo(connection.runner)).matches;
      if (profile === undefined) {
        console.log(`${connection.kernel}: matches no kernel profile, skipped`);
        continue;
      }
      const noGuest = guestLeftOut(connection);
      const result = await diffKernel(connection.runner, {
        kernel: profile,
        seed: SEED,
        runs: RUNS,
        maxCommands: 20,
        noGuest,
      });
      const verdict =
        result.found === undefined
          ? 'no disagreement'
          : `DISAGREEMENT after shrinking: ${JSON.stringify(result.found.disagreements)}`;
      console.log(
        `${connection.kernel} (${profile}, ${noGuest === undefined ? 'ioctls, guest, device' : 'ioctls only'}): boot ${connection.bootSeconds.toFixed(1)} s, ${result.runs} traces at ${result.rate.toFixed(1)} traces/s (seed ${SEED}): ${verdict}`,
      );
    } finally {
      connection.runner.close();
    }
  } catch (error) {
    if (!(error instanceof KvmUnavailable)) throw error;
    console.log(
      `${source.kind === 'local' ? '/dev/kvm' : source.suite}: skipped (${error.message.split('\n')[0]})`,
    );
  }
}
