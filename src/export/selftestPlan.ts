import { advertisesSuppressEoiBroadcast } from '../../machines/vm.js';
import { checkedStep, startChecked } from '../check/checkedRun.js';
import type { Violation } from '../invariants/index.js';
import { type Command, isIoctl } from '../model/command.js';
import type { Observation } from '../model/observation.js';
import { ioapicOwner, type ModelState } from '../model/state.js';
import { type Trace, TraceInputError } from '../model/trace.js';
import { commandJson } from '../model/traceFormat.js';
import { ioapicWriter } from '../model/vcpuEntry.js';

/** Who issues a step on the real kernel: the host (ioctls, the device, the VMM's I/O APIC) or a vCPU's guest. */
export type Actor = { kind: 'host' } | { kind: 'guest'; vcpu: number };

/** A check of the finding: what the violated invariant requires, read from the kernel after the step. */
export type FindingCheck =
  /** Deliveries of one vector after one trace command stay within the storm bound: every step checks it. */
  | { invariant: string; kind: 'stormBound' }
  /** These pins hold no Remote IRR (no-stuck-pin: the guest completed its EOI protocol). */
  | { invariant: string; kind: 'remoteIrrClear'; pins: number[] }
  /** The step neither exited on, nor re-delivered, nor cleared the Remote IRR of the vector's pin. */
  | { invariant: string; kind: 'notServiced'; pin: number; vector: number }
  /** LVR bit 24 reads as the invariant requires on these vCPUs. */
  | { invariant: string; kind: 'lvrBit24'; vcpus: { vcpu: number; advertise: boolean }[] }
  /** SPIV bit 12 is not set without LVR bit 24. */
  | { invariant: string; kind: 'spivNeedsLvr'; vcpus: number[] }
  /** The LAPIC EOI of the vector exited to the VMM exactly once. */
  | { invariant: string; kind: 'oneExit'; vector: number };

/** One command the exported selftest issues, with the answer it must get and the finding checked after it. */
export interface SelftestStep {
  /** The trace command it belongs to. */
  index: number;
  /** 0 for the trace command, k for the guest program's k-th reaction after it. */
  reaction: number;
  /** The command. */
  command: Command;
  /** The command as one line of trace JSON. */
  text: string;
  /** Who issues it. */
  actor: Actor;
  /** Whose I/O APIC is live when it runs: the VMM's (split irqchip or none) or KVM's. */
  ioapic: 'vmm' | 'kernel';
  /** vCPUs with an in-kernel LAPIC, whose IRR shows the step's deliveries. */
  lapicVcpus: number[];
  /** What the kernel must answer: the trace's `expect` where it has one, else the model's observation. */
  expected: Observation;
  /** `expected.deliveries` as the kernel shows them: newly pending vectors, sorted, each once. */
  visibleDeliveries: number[];
  /** Compare `expected.value` under this mask. */
  mask: number;
  /** Checks of the findings the model reports at this step. */
  findings: FindingCheck[];
  /** Findings at this step that no kernel-side check expresses (ids), said in a comment. */
  unchecked: string[];
}

/** A trace as the steps of a selftest. */
export interface SelftestPlan {
  /** Every command, reactions included, in order. */
  steps: SelftestStep[];
  /** vCPU ids that run a guest, in order. */
  guestVcpus: number[];
  /** Vectors an interrupt may arrive on: every vector the trace names. */
  vectors: number[];
}

/** The first pins and vector a violation detail names ("pin 0, 1 (vector 64) …"). */
function pinsOf(detail: string): { pins: number[]; vector: number } | undefined {
  const match = /^pin ([\d, ]+) \(vector (\d+)\)/.exec(detail);
  if (match === null) return undefined;
  return { pins: (match[1] as string).split(',').map((p) => Number(p.trim())), vector: Number(match[2]) };
}

/** The vCPUs a register invariant names ("… on vCPU 0, 1"). */
function vcpusOf(detail: string): number[] {
  const match = /on vCPU ([\d, ]+)$/.exec(detail);
  return match === null ? [] : (match[1] as string).split(',').map((v) => Number(v.trim()));
}

function findingCheck(violation: Violation, after: ModelState, command: Command): FindingCheck | undefined {
  const { invariant, detail } = violation;
  switch (invariant) {
    case 'no-storm':
      return { invariant, kind: 'stormBound' };
    case 'no-stuck-pin': {
      const named = pinsOf(detail);
      return named === undefined ? undefined : { invariant, kind: 'remoteIrrClear', pins: named.pins };
    }
    case 'no-unmask-before-ioapic-eoi': {
      const named = pinsOf(detail);
      return named === undefined
        ? undefined
        : { invariant, kind: 'notServiced', pin: named.pins[0] as number, vector: named.vector };
    }
    case 'lvr-advertise':
      return {
        invariant,
        kind: 'lvrBit24',
        vcpus: vcpusOf(detail).map((vcpu) => ({
          vcpu,
          advertise:
            (after.lapics[vcpu]?.context.x2apic ?? false) && advertisesSuppressEoiBroadcast(after.vm.value),
        })),
      };
    case 'spiv-needs-lvr':
      return { invariant, kind: 'spivNeedsLvr', vcpus: vcpusOf(detail) };
    case 'no-missed-eoi-quirk':
      return command.op === 'guest.eoi' || command.op === 'guest.wrmsr'
        ? { invariant, kind: 'oneExit', vector: Number(/vector (\d+)/.exec(detail)?.[1]) }
        : undefined;
    default:
      return undefined;
  }
}

/** Why the selftest cannot issue a command, or undefined when it can. */
function refusal(command: Command, state: ModelState): string | undefined {
  if (command.op === 'guest.init')
    return 'guest.init: the selftest guest runs in long mode and cannot come back from INIT yet';
  if (
    (command.op === 'guest.ioapicWriteRte' || command.op === 'guest.ioapicEoi') &&
    ioapicOwner(state) === 'kernel'
  ) {
    if (ioapicWriter(state) === undefined) return `${command.op}: no vCPU exists to write KVM's I/O APIC`;
  }
  if ('vcpu' in command && command.op.startsWith('guest.') && state.lapics[command.vcpu] == null)
    return `${command.op}: vCPU ${command.vcpu} does not exist, so no guest runs on it`;
  return undefined;
}

function actorOf(command: Command, state: ModelState): Actor {
  if (isIoctl(command) || command.op === 'device.setLine' || command.op === 'clock.advance')
    return { kind: 'host' };
  if (command.op === 'guest.ioapicWriteRte' || command.op === 'guest.ioapicEoi') {
    const vcpu = ioapicWriter(state);
    return vcpu === undefined ? { kind: 'host' } : { kind: 'guest', vcpu };
  }
  return { kind: 'guest', vcpu: (command as { vcpu: number }).vcpu };
}

function vectorsNamed(command: Command): number[] {
  if (command.op === 'guest.ioapicWriteRte' || command.op === 'guest.ioapicEoi') return [command.vector];
  if (command.op === 'KVM_SET_LAPIC') return [...(command.irr ?? []), ...(command.isr ?? [])];
  return [];
}

/**
 * The trace's commands and the guest program's reactions the model takes after each, with the answers each must
 * get on the kernel and the checks of every finding the model reports. Commands a selftest cannot issue are
 * refused with their JSON path.
 */
export function selftestPlan(trace: Trace, file: string): SelftestPlan {
  const steps: SelftestStep[] = [];
  const guestVcpus = new Set<number>();
  const vectors = new Set<number>();
  const withCpuid = new Set<number>();
  let checked = startChecked(trace.profile, trace.config);
  for (const [index, command] of trace.commands.entries()) {
    const { next, result, violations: seen } = checkedStep(checked, command, index);
    for (const [reaction, executed] of result.executed.entries()) {
      const actor = actorOf(executed.command, executed.before);
      const why =
        refusal(executed.command, executed.before) ??
        (actor.kind === 'guest' && !withCpuid.has(actor.vcpu)
          ? `${executed.command.op}: vCPU ${actor.vcpu} runs before any KVM_SET_CPUID2, but a selftest vCPU has CPUID from its creation (vm_vcpu_add)`
          : undefined);
      if (why !== undefined) {
        const path =
          reaction === 0 ? `$.commands[${index}]` : `$.commands[${index}].expect.reactions[${reaction - 1}]`;
        throw new TraceInputError(file, `${path}.op`, why);
      }
      if (executed.command.op === 'KVM_SET_CPUID2' && executed.observation.ret === 0)
        withCpuid.add(executed.command.vcpu);
      if (actor.kind === 'guest') guestVcpus.add(actor.vcpu);
      for (const vector of vectorsNamed(executed.command)) vectors.add(vector);
      const own = reaction === 0 ? command.expect : undefined;
      const { reactions: _, ...modelled } = executed.observation;
      const expected: Observation = { ...modelled };
      for (const field of ['ret', 'value', 'vector', 'fault', 'exits', 'deliveries'] as const) {
        if (own?.[field] !== undefined) Object.assign(expected, { [field]: own[field] });
      }
      const pending = new Set(executed.before.lapics.flatMap((lapic) => lapic?.context.irr ?? []));
      const violations = seen.filter(
        (v) => v.index === index && (v.reaction === null ? 0 : v.reaction + 1) === reaction,
      );
      const findings = violations.flatMap((v) => findingCheck(v, executed.after, executed.command) ?? []);
      steps.push({
        index,
        reaction,
        command: executed.command,
        text: JSON.stringify(commandJson(executed.command)),
        actor,
        ioapic: ioapicOwner(executed.before),
        lapicVcpus: executed.before.lapics.flatMap((lapic, vcpu) =>
          lapic != null && lapic.value.apic !== 'absent' ? [vcpu] : [],
        ),
        expected,
        visibleDeliveries: [...new Set(expected.deliveries ?? [])]
          .filter((v) => !pending.has(v))
          .sort((a, b) => a - b),
        mask: own?.mask ?? 0xffff_ffff,
        findings,
        unchecked: violations
          .filter((v) => !findings.some((f) => f.invariant === v.invariant))
          .map((v) => v.invariant),
      });
    }
    checked = next;
  }
  return {
    steps,
    guestVcpus: [...guestVcpus].sort((a, b) => a - b),
    vectors: [...vectors].sort((a, b) => a - b),
  };
}

/**
 * The findings an exported selftest reports where the kernel does what the trace found, as "[index.reaction]
 * invariant" ("[index] no-storm": the storm bound is checked when its trace command ends), in report order. A
 * selftest passes when this is empty and the kernel answers as the trace says.
 */
export function expectedFindings(plan: SelftestPlan): string[] {
  const steps = plan.steps.flatMap((step) =>
    step.findings
      .filter((check) => check.kind !== 'stormBound')
      .flatMap((check) => {
        const count =
          check.kind === 'remoteIrrClear'
            ? check.pins.length
            : check.kind === 'lvrBit24' || check.kind === 'spivNeedsLvr'
              ? check.vcpus.length
              : 1;
        return Array(count).fill(`[${step.index}.${step.reaction}] ${check.invariant}`) as string[];
      }),
  );
  const storms = plan.steps
    .filter((step) => step.findings.some((check) => check.kind === 'stormBound'))
    .map((step) => ({ index: step.index, text: `[${step.index}] no-storm` }));
  // A storm is reported when its trace command ends: after that command's own findings, before the next one's.
  const ordered: string[] = [];
  for (const finding of steps) {
    const index = Number(/^\[(\d+)/.exec(finding)?.[1]);
    while (storms.length > 0 && (storms[0] as { index: number }).index < index)
      ordered.push((storms.shift() as { text: string }).text);
    ordered.push(finding);
  }
  return [...ordered, ...storms.map((storm) => storm.text)];
}

/** The findings a selftest reported, in the form of expectedFindings(), from its output lines. */
export function reportedFindings(output: readonly string[]): string[] {
  return output.flatMap((line) => {
    const match = /^seoib finding: \[([\d.]+)\] .*?: ([a-z-]+): /.exec(line);
    return match === null ? [] : [`[${match[1]}] ${match[2]}`];
  });
}
