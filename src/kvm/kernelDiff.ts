import fc from 'fast-check';
import { recordTrace } from '../check/runTrace.js';
import type { Observation } from '../model/observation.js';
import { findReferenceError, type Trace } from '../model/trace.js';
import { type Disagreement, type KernelRunOptions, runOnKernel } from './kernelRun.js';
import { kernelTraceArbitrary } from './kernelTraces.js';
import { traceCategories } from './reach.js';
import type { RunnerProcess } from './runnerProcess.js';

/** Budget of a differential run. */
export interface DiffOptions {
  /** Kernel profile of the model side. */
  kernel: string;
  /** fast-check seed. */
  seed: number;
  /** Random traces to run. */
  runs: number;
  /** Commands per trace at most. */
  maxCommands: number;
  /** Why guest, device and clock commands do not compare on this kernel; the traces are then ioctls only. */
  noGuest?: string | undefined;
  /** Called with the count of agreeing traces after every `every` of them, so that a long run shows how far it got. */
  progress?: { every: number; report: (agreeing: number) => void };
}

/** How many traces reached each interrupt event on the kernel: what a run of random traces really exercised. */
export interface Reached {
  /** Traces with a vector delivered into some IRR. */
  deliveries: number;
  /** Traces in which the guest took an interrupt. */
  accepted: number;
  /** Traces with a KVM_EXIT_IOAPIC_EOI. */
  exits: number;
}

function count(reached: Reached, observations: readonly Observation[]): void {
  if (observations.some((o) => (o.deliveries ?? []).length > 0)) reached.deliveries++;
  if (observations.some((o) => o.vector != null)) reached.accepted++;
  if (observations.some((o) => (o.exits ?? []).length > 0)) reached.exits++;
}

/** What a differential run found. */
export interface DiffResult {
  /** Traces run on both sides (shrinking excluded). */
  runs: number;
  /** Traces per second over both sides, shrinking excluded. */
  rate: number;
  /** How many of those traces made the kernel deliver, let the guest take an interrupt, exit on an EOI. */
  reached: Reached;
  /**
   * The reach table: for every field category a run trace drew (`op: category`, reach.ts), how many agreeing traces
   * ran a command of it; a category only disagreeing traces drew counts 0.
   */
  reach: Map<string, number>;
  /** The first disagreement, shrunk: the trace with the kernel's answers as `expect`, and where the model differs. */
  found?: { trace: Trace; disagreements: Disagreement[] };
}

/** The trace with every command's `expect` set to what the kernel observed: the kernel wins. */
function kernelRecorded(trace: Trace, kernel: readonly Observation[]): Trace {
  const ran = { ...trace, commands: trace.commands.slice(0, kernel.length) };
  return recordTrace(ran, kernel);
}

/**
 * Removes commands one at a time, from the end, while the kernel and the model still disagree: fast-check cannot
 * take apart the booted-VM prefix, whose commands come as one value.
 */
async function minimizeOnKernel(
  runner: RunnerProcess,
  trace: Trace,
  options: KernelRunOptions,
): Promise<Trace> {
  let current = trace;
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = current.commands.length - 1; i >= 0; i--) {
      const candidate = { ...current, commands: current.commands.filter((_, j) => j !== i) };
      if (findReferenceError(candidate.commands, candidate.config) !== undefined) continue;
      if ((await runOnKernel(runner, candidate, options)).disagreements.length > 0) {
        current = candidate;
        changed = true;
      }
    }
  }
  return current;
}

/**
 * Runs random traces (ioctls, guest, device) on the kernel and on the model side by side. The first trace where they disagree is
 * shrunk by fast-check (each shrink step runs on the kernel too) and returned.
 */
export async function diffKernel(runner: RunnerProcess, options: DiffOptions): Promise<DiffResult> {
  let runs = 0;
  const started = Date.now();
  let elapsed = 0;
  const reached: Reached = { deliveries: 0, accepted: 0, exits: 0 };
  const reach = new Map<string, number>();
  const runOptions = { noGuest: options.noGuest };
  let shrinking = false;
  let agreeing = 0;
  const property = fc.asyncProperty(
    kernelTraceArbitrary(options.kernel, options.maxCommands, options.noGuest !== undefined),
    async (trace) => {
      const run = await runOnKernel(runner, trace, runOptions);
      const agrees = run.disagreements.length === 0;
      if (!shrinking) {
        for (const category of traceCategories(trace.commands.slice(0, run.ran), trace.config))
          reach.set(category, (reach.get(category) ?? 0) + (agrees ? 1 : 0));
        if (agrees) {
          count(reached, run.observations);
          agreeing++;
          if (options.progress !== undefined && agreeing % options.progress.every === 0)
            options.progress.report(agreeing);
        }
      }
      shrinking ||= !agrees;
      return agrees;
    },
  );
  const details = await fc.check(property, { seed: options.seed, numRuns: options.runs });
  runs = details.numRuns;
  elapsed = details.failed
    ? (Date.now() - started) * (runs / (runs + details.numShrinks))
    : Date.now() - started;
  const rate = runs / Math.max(elapsed / 1000, 0.001);
  const counterexample = details.counterexample?.[0];
  if (!details.failed || counterexample === undefined) return { runs, rate, reached, reach };
  const shrunk = await minimizeOnKernel(runner, counterexample, runOptions);
  const run = await runOnKernel(runner, shrunk, runOptions);
  return {
    runs,
    rate,
    reached,
    reach,
    found: { trace: kernelRecorded(shrunk, run.observations), disagreements: run.disagreements },
  };
}
