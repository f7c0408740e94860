import { runTrace } from '../check/runTrace.js';
import type { Command } from '../model/command.js';
import { KERNELS } from '../model/kernels.js';
import type { Observation } from '../model/observation.js';
import type { Trace } from '../model/trace.js';
import { TRACE_FORMAT } from '../model/traceSchema.js';
import { runOnKernel } from './kernelRun.js';
import type { RunnerProcess } from './runnerProcess.js';

const x2apic = (flags: number): Command => ({
  op: 'KVM_ENABLE_CAP',
  cap: 'KVM_CAP_X2APIC_API',
  args: [flags],
});
const check = (fd: 'system' | 'vm'): Command => ({
  op: 'KVM_CHECK_EXTENSION',
  fd,
  cap: 'KVM_CAP_X2APIC_API',
});

/**
 * The questions that tell the kernel profiles apart: what CHECK_EXTENSION offers on each fd before and after a
 * split irqchip, which flags it accepts before and after, whether a mode change after a vCPU is refused.
 */
export const PROBE: readonly Command[] = [
  check('system'),
  check('vm'),
  x2apic(4),
  x2apic(8),
  x2apic(12),
  { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
  check('vm'),
  x2apic(4),
  { op: 'KVM_CREATE_VCPU', id: 0 },
  { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
  // A refused call must not change the mode: KVM_SET_LAPIC recomputes LVR from it.
  x2apic(12),
  { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x1ff, irr: [], isr: [], tmr: [] },
  { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x30 },
  x2apic(8),
];

/** What `seoib kvm info` reports. */
export interface KernelInfo {
  /** uname -r of the kernel that answered. */
  release: string;
  /** Each probe command with what the kernel answered. */
  answers: { command: Command; observed: Observation }[];
  /** Kernel profiles whose model gives the same answers. */
  matches: string[];
}

function probeTrace(kernel: string): Trace {
  return {
    format: TRACE_FORMAT,
    profile: { kernel, vmm: 'ioapic-0x20', guest: 'adversarial' },
    config: { vcpus: 1, pins: 24 },
    commands: [...PROBE],
  };
}

/** Asks the kernel the probe questions and names the kernel profiles that answer the same. */
export async function kernelInfo(runner: RunnerProcess): Promise<KernelInfo> {
  const release = (await runner.ask('version')).release ?? '?';
  const { observations } = await runOnKernel(runner, probeTrace('upstream'));
  const matches = [...KERNELS.keys()].filter(
    (kernel) => JSON.stringify(runTrace(probeTrace(kernel)).observations) === JSON.stringify(observations),
  );
  return {
    release,
    answers: PROBE.map((command, i) => ({ command, observed: observations[i] ?? {} })),
    matches,
  };
}
