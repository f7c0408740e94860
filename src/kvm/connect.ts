import { existsSync } from 'node:fs';
import { debianKernel, qemuBoot, requireQemu } from './debianKernel.js';
import { type GuestFidelity, probeGuestFidelity } from './guestFidelity.js';
import { KvmUnavailable } from './kvmUnavailable.js';
import { runnerBinary } from './runnerBinary.js';
import { RunnerProcess } from './runnerProcess.js';

/** Where the real kernel is: this machine's /dev/kvm, or a Debian suite's kernel booted under QEMU. */
export type KernelSource = { kind: 'local' } | { kind: 'qemu'; suite: string };

/** A runner ready for requests, and which kernel answers. */
export interface Connection {
  /** The runner. */
  runner: RunnerProcess;
  /** The kernel, as reports name it: `local` or the Debian package and version. */
  kernel: string;
  /** Seconds from start to the runner's ready line. */
  bootSeconds: number;
  /** The vendor module behind /dev/kvm: kvm_intel, kvm_amd, kvm_pvm, or unknown. */
  backend: string;
  /** Whether guest commands can be compared with the model on this kernel, as measured at connection. */
  guest: GuestFidelity;
}

const BOOT_TIMEOUT_MS = 240_000;

/** Starts the runner on the given kernel; throws KvmUnavailable (exit 3) with the reason when it cannot. */
export async function connect(source: KernelSource): Promise<Connection> {
  const started = Date.now();
  if (source.kind === 'local') {
    if (!existsSync('/dev/kvm'))
      throw new KvmUnavailable(
        '/dev/kvm is absent on this machine; use --qemu <suite> (e.g. sid) to boot a Debian kernel',
      );
    const runner = new RunnerProcess(runnerBinary(), [], 10_000, 'seoib-runner');
    await runner.ready();
    return described(runner, 'local /dev/kvm', started);
  }
  requireQemu();
  const image = debianKernel(source.suite);
  const args = qemuBoot(image, image.initrd, 512);
  const runner = new RunnerProcess('qemu-system-x86_64', args, BOOT_TIMEOUT_MS, `QEMU (${image.package})`);
  await runner.ready();
  return described(runner, `${source.suite}: ${image.package}`, started);
}

/** A ready runner with what it runs on: the KVM backend and whether guest commands behave as on hardware. */
async function described(runner: RunnerProcess, kernel: string, started: number): Promise<Connection> {
  const bootSeconds = (Date.now() - started) / 1000;
  try {
    const backend = (await runner.ask('version')).backend ?? 'unknown';
    return { runner, kernel, bootSeconds, backend, guest: await probeGuestFidelity(runner) };
  } catch (error) {
    runner.close();
    throw error;
  }
}

/** Why guest, device and clock commands do not compare with the model on this kernel, or undefined when they do. */
export function guestLeftOut(connection: Connection): string | undefined {
  return connection.guest.architectural
    ? undefined
    : `guest commands left out on this kernel (${connection.backend}): ${connection.guest.detail}`;
}
