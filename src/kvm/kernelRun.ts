import { checkedStep, startChecked } from '../check/checkedRun.js';
import type { Violation } from '../invariants/index.js';
import { type Command, isIoctl } from '../model/command.js';
import type { Observation } from '../model/observation.js';
import type { ModelState } from '../model/state.js';
import type { Executed } from '../model/step.js';
import type { Trace } from '../model/trace.js';
import { commandJson, observationJson } from '../model/traceFormat.js';
import { VMMS } from '../model/vmms.js';
import { runCommandOnKernel } from './kernelCommand.js';
import type { RunnerProcess } from './runnerProcess.js';
import { VmmIoapic } from './vmmIoapic.js';

/** Where the kernel and the model disagree on one command. */
export interface Disagreement {
  /** Command index. */
  index: number;
  /** 1-based number of the guest program's reaction after that command, when the disagreement is in one. */
  reaction?: number;
  /** The command, as in the trace. */
  command: string;
  /** What the model observed. */
  model: string;
  /** What the kernel observed. */
  kernel: string;
}

/** A trace run on the real kernel beside the model. */
export interface KernelRun {
  /**
   * Observations of the kernel, one per trace command run; `reactions` holds the guest program's commands after it
   * (as the model took them) with what the kernel answered to each.
   */
  observations: Observation[];
  /** The model's observations of the same commands, for showing beside the kernel's. */
  model: Observation[];
  /** Trace commands run before the first one the runner cannot issue (all of them when it can issue every one). */
  ran: number;
  /** The first command the runner cannot issue, and why; undefined when it issued every one. */
  unsupported: { command: Command; why: string } | undefined;
  /** Disagreements on the commands run. */
  disagreements: Disagreement[];
  /** The invariants the model saw violated on the commands run (the kernel agreed wherever it agreed). */
  violations: Violation[];
}

/**
 * The fields both sides observe, in canonical JSON. The kernel shows deliveries as vectors newly pending in some
 * IRR, so they compare as a sorted set without the vectors already pending before the command (`pending`): a
 * delivery into a set IRR bit, order and repeats within one command are invisible on the kernel side.
 */
function comparable(observation: Observation, pending: ReadonlySet<number>): string {
  const { reactions: _, deliveries, ...rest } = observation;
  const visible = [...new Set(deliveries)].filter((v) => !pending.has(v)).sort((a, b) => a - b);
  return JSON.stringify(observationJson(deliveries === undefined ? rest : { ...rest, deliveries: visible }));
}

/** Vectors pending in the IRR of any vCPU of the model's state. */
function pendingVectors(state: ModelState): Set<number> {
  return new Set(state.lapics.flatMap((lapic) => lapic?.context.irr ?? []));
}

/** What a kernel run leaves out. */
export interface KernelRunOptions {
  /**
   * Why guest, device and clock commands cannot be compared on this kernel (GuestFidelity.detail), or undefined
   * when they can: the run then stops at the first one.
   */
  noGuest?: string | undefined;
}

const INIT_WITHOUT_X2APIC =
  'the runner sends INIT through the x2APIC ICR: only to a vCPU with an in-kernel APIC and x2APIC in CPUID';

/** What the kernel answered to one executed command, or why it could not run it. */
type Outcome = { observed: Observation } | { failed: unknown };

/**
 * Runs the trace's commands, and the guest program's reactions the model takes after each, on a fresh VM of the
 * runner's kernel, and compares every observation with the model's. A run of ioctls is pipelined: their answers
 * do not steer the model, and the runner answers in order; guest and device commands wait for what came before.
 */
export async function runOnKernel(
  runner: RunnerProcess,
  trace: Trace,
  options: KernelRunOptions = {},
): Promise<KernelRun> {
  await runner.ask('new_vm');
  const profile = VMMS.get(trace.profile.vmm);
  if (profile === undefined) throw new Error(`unknown VMM profile ${trace.profile.vmm}`);
  const vm = { runner, vmm: new VmmIoapic(runner, trace.config.pins, profile) };
  let checked = startChecked(trace.profile, trace.config);
  const violations: Violation[] = [];
  const observations: Observation[] = [];
  const disagreements: Disagreement[] = [];
  const modelled: Observation[] = [];
  const compare = (index: number, reaction: number, executed: Executed, observed: Observation) => {
    if (reaction === 0) {
      observations.push(observed);
      modelled.push(executed.observation);
    } else {
      const owner = observations[observations.length - 1] as Observation;
      owner.reactions = [...(owner.reactions ?? []), { command: executed.command, observed }];
    }
    const pending = pendingVectors(executed.before);
    const [model, kernel] = [comparable(executed.observation, pending), comparable(observed, pending)];
    if (model !== kernel)
      disagreements.push({
        index,
        ...(reaction > 0 ? { reaction } : {}),
        command: JSON.stringify(commandJson(executed.command)),
        model,
        kernel,
      });
  };
  let inFlight: { index: number; reaction: number; executed: Executed; outcome: Promise<Outcome> }[] = [];
  const settle = async () => {
    for (const { index, reaction, executed, outcome } of inFlight) {
      const answered = await outcome;
      if ('failed' in answered) throw answered.failed;
      compare(index, reaction, executed, answered.observed);
    }
    inFlight = [];
  };
  for (const [index, command] of trace.commands.entries()) {
    const { next, result, violations: seen } = checkedStep(checked, command, index);
    for (const [reaction, executed] of result.executed.entries()) {
      if (isIoctl(executed.command)) {
        const outcome = runCommandOnKernel(vm, executed.command, executed.before).then(
          (observed): Outcome => ({ observed: observed as Observation }),
          (failed: unknown): Outcome => ({ failed }),
        );
        inFlight.push({ index, reaction, executed, outcome });
        continue;
      }
      await settle();
      const observed =
        options.noGuest === undefined
          ? await runCommandOnKernel(vm, executed.command, executed.before)
          : undefined;
      if (observed === undefined)
        return {
          observations: observations.slice(0, index),
          model: modelled.slice(0, index),
          ran: index,
          unsupported: { command: executed.command, why: options.noGuest ?? INIT_WITHOUT_X2APIC },
          disagreements,
          violations,
        };
      compare(index, reaction, executed, observed);
    }
    checked = next;
    violations.push(...seen);
  }
  await settle();
  return {
    observations,
    model: modelled,
    ran: trace.commands.length,
    unsupported: undefined,
    disagreements,
    violations,
  };
}
