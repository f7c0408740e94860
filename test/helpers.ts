import { checkedStep, startChecked } from '../src/check/checkedRun.js';
import { runTrace } from '../src/check/runTrace.js';
import type { Violation } from '../src/invariants/index.js';
import type { Command, IoapicWriteRte } from '../src/model/command.js';
import type { Config, ProfileNames } from '../src/model/config.js';
import type { Observation } from '../src/model/observation.js';
import type { ModelState } from '../src/model/state.js';
import { type Executed, execute } from '../src/model/step.js';
import { TRACE_FORMAT } from '../src/model/traceSchema.js';

/** The command-line flags of the storm's row: upstream, a 0x20 I/O APIC, neither flag, Credential Guard. */
export const STORM_ROW_FLAGS: readonly string[] = [
  '--kernel',
  'upstream',
  '--vmm',
  'ioapic-0x20',
  '--policy',
  'none',
  '--guest',
  'credential-guard',
];

/** Runs commands from the initial state; returns every observation and the final state. */
export function runCommands(
  profile: ProfileNames,
  commands: readonly Command[],
  config: Config = { vcpus: 1, pins: 24 },
): { observations: Observation[]; state: ModelState } {
  let checked = startChecked(profile, config);
  const observations: Observation[] = [];
  for (const [index, command] of commands.entries()) {
    const { next, result } = checkedStep(checked, command, index);
    checked = next;
    observations.push(result.observation);
  }
  return { observations, state: checked.state };
}

/** `command` executed, without guest reactions, once `setup` has run from the initial state. */
export function executeAfter(
  profile: ProfileNames,
  setup: readonly Command[],
  command: Command,
  config: Config = { vcpus: 1, pins: 24 },
): Executed {
  return execute(runCommands(profile, setup, config).state, command);
}

/** The ordered VMM setup: split irqchip, the flag (if any), vCPU 0, CPUID with x2APIC. */
export function orderedSetup(flags: number | undefined): Command[] {
  return [
    { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
    ...(flags === undefined
      ? []
      : [{ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [flags] } as Command]),
    { op: 'KVM_CREATE_VCPU', id: 0 },
    { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
  ];
}

export const levelPin5: IoapicWriteRte = {
  op: 'guest.ioapicWriteRte',
  pin: 5,
  vector: 64,
  trigger: 'level',
  masked: false,
  dest: 0,
};

/** Every invariant violation of running these commands as a trace. */
export function violationsOf(
  profile: ProfileNames,
  commands: readonly Command[],
  config: Config = { vcpus: 1, pins: 24 },
): Violation[] {
  return runTrace({ format: TRACE_FORMAT, profile, config, commands: [...commands] }).violations;
}

/**
 * The booted split-irqchip VM of orderedSetup() with vCPU 0's APIC software-enabled (SPIV 0x1ff or 0x11ff), and
 * as many more vCPUs booted alike.
 */
export function bootedSplit(flags: number | undefined, spiv = 0x1ff, vcpus = 1): Command[] {
  const enable = (vcpu: number): Command => ({ op: 'guest.wrmsr', vcpu, msr: 0x80f, value: BigInt(spiv) });
  return [
    ...orderedSetup(flags),
    enable(0),
    ...Array.from({ length: vcpus - 1 }, (_, i) => i + 1).flatMap((vcpu): Command[] => [
      { op: 'KVM_CREATE_VCPU', id: vcpu },
      { op: 'KVM_SET_CPUID2', vcpu, x2apic: true },
      enable(vcpu),
    ]),
  ];
}

/** The built-in profile names, in the order the registries and `seoib profiles` list them. */
export const PROFILE_NAMES = {
  kernel: ['legacy', 'v4', 'v6', 'upstream', 'upstream-vcpu-lock', 'upstream-apply-first'],
  vmm: [
    'ioapic-0x11',
    'ioapic-0x20',
    'qemu',
    'qemu-0x11',
    'qemu-rfc',
    'qemu-rfc-0x11',
    'crosvm',
    'cloud-hypervisor',
    'firecracker',
  ],
  guest: ['linux', 'linux-ir', 'windows-hyperv', 'credential-guard', 'xen-l1', 'adversarial'],
} as const;
