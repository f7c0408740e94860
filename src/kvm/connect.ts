import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { debianKernel } from './debianKernel.js';
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

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

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
  if (!hasCommand('qemu-system-x86_64'))
    throw new KvmUnavailable('qemu-system-x86_64 not found: install the Debian package qemu-system-x86');
  const image = debianKernel(source.suite);
  const args = [
    ...['-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-m', '512', '-smp', '1'],
    ...['-nographic', '-no-reboot', '-kernel', image.vmlinuz, '-initrd', image.initrd],
    ...['-append', 'console=ttyS0 quiet loglevel=1 panic=-1'],
  ];
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
