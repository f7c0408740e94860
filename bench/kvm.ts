/**
 * Real-kernel trace throughput. Prints numbers; asserts nothing.
 *   TS↔runner: a 20-command trace through runOnKernel (one request, one answer at a time), compared with the model
 *   runner alone: the same requests written in one batch, answers read back (the runner's own limit)
 *   flatness: the runner's open descriptors and resident memory, and the Node side's, before and after a long
 *   series of traces (10,000 on /dev/kvm; 1,000 under QEMU TCG, where one trace takes ~50 ms)
 * On this machine's /dev/kvm when present, else on Debian sid's kernel under QEMU TCG (boot time printed).
 */
import { existsSync, readdirSync } from 'node:fs';
import { connect } from '../src/kvm/connect.js';
import { runOnKernel } from '../src/kvm/kernelRun.js';
import { KvmUnavailable } from '../src/kvm/kvmUnavailable.js';
import { requestFor } from '../src/kvm/requests.js';
import type { Command } from '../src/model/command.js';
import type { Trace } from '../src/model/trace.js';
import { TRACE_FORMAT } from '../src/model/traceSchema.js';

const TRACES = 200;
const x2apic = (flags: number): Command => ({
  op: 'KVM_ENABLE_CAP',
  cap: 'KVM_CAP_X2APIC_API',
  args: [flags],
});
const commands: Command[] = [
  { op: 'KVM_CHECK_EXTENSION', fd: 'system', cap: 'KVM_CAP_X2APIC_API' },
  { op: 'KVM_CHECK_EXTENSION', fd: 'vm', cap: 'KVM_CAP_X2APIC_API' },
  { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
  x2apic(4),
  { op: 'KVM_CREATE_VCPU', id: 0 },
  { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
  { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x30 },
  { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [], isr: [], tmr: [] },
  { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0xf0 },
  { op: 'KVM_CREATE_VCPU', id: 1 },
  { op: 'KVM_SET_CPUID2', vcpu: 1, x2apic: true },
  { op: 'KVM_GET_LAPIC', vcpu: 1, reg: 0x30 },
  x2apic(8),
  { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x1ff, irr: [], isr: [], tmr: [] },
  { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x30 },
  { op: 'KVM_CHECK_EXTENSION', fd: 'vm', cap: 'KVM_CAP_X2APIC_API' },
  { op: 'KVM_CREATE_IRQCHIP' },
  { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
  x2apic(12),
  { op: 'KVM_GET_LAPIC', vcpu: 1, reg: 0xf0 },
];
const trace: Trace = {
  format: TRACE_FORMAT,
  profile: { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' },
  config: { vcpus: 2, pins: 24 },
  commands,
};

async function main(): Promise<void> {
  const source = existsSync('/dev/kvm')
    ? ({ kind: 'local' } as const)
    : ({ kind: 'qemu', suite: 'sid' } as const);
  let connection: Awaited<ReturnType<typeof connect>>;
  try {
    connection = await connect(source);
  } catch (error) {
    if (!(error instanceof KvmUnavailable)) throw error;
    console.log(`bench:kvm skipped: ${error.message.split('\n')[0]}`);
    return;
  }
  const { runner } = connection;
  console.log(
    `bench:kvm  ${connection.kernel} (${connection.backend}), ready in ${connection.bootSeconds.toFixed(1)} s (cached image)`,
  );
  let started = performance.now();
  let disagreements = 0;
  for (let i = 0; i < TRACES; i++) disagreements += (await runOnKernel(runner, trace)).disagreements.length;
  const full = TRACES / ((performance.now() - started) / 1000);
  const batch = Array.from({ length: TRACES }, () => [
    'new_vm',
    ...commands.map((c) => requestFor(c) as string),
  ]).flat();
  started = performance.now();
  await Promise.all(batch.map((request) => runner.ask(request)));
  const alone = TRACES / ((performance.now() - started) / 1000);
  const series = source.kind === 'local' ? 10_000 : 1_000;
  const before = { runner: await runner.ask('stats'), node: nodeStats() };
  for (let i = 0; i < series; i++) await runOnKernel(runner, trace);
  const after = { runner: await runner.ask('stats'), node: nodeStats() };
  runner.close();
  console.log(
    `TS↔runner (with the model):  ${full.toFixed(0)} traces/s of ${commands.length} commands (${disagreements} disagreements)`,
  );
  console.log(`runner alone (batched):      ${alone.toFixed(0)} traces/s`);
  console.log(
    `ratio: ${((100 * full) / alone).toFixed(0)}% of the runner-alone rate (target ≥ 50%, ≥ 200 traces/s)`,
  );
  console.log(
    `${series} traces in a row: runner fds ${before.runner.fds} -> ${after.runner.fds}, RSS ${before.runner.rss_kb} -> ${after.runner.rss_kb} KiB; ` +
      `node fds ${before.node.fds} -> ${after.node.fds}, RSS ${before.node.rssKb} -> ${after.node.rssKb} KiB`,
  );
}

function nodeStats(): { fds: number; rssKb: number } {
  return { fds: readdirSync('/proc/self/fd').length, rssKb: Math.round(process.memoryUsage().rss / 1024) };
}

await main();
