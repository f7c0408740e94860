import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { recordTrace } from '../check/runTrace.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { type Connection, connect, guestLeftOut, type KernelSource } from '../kvm/connect.js';
import { diffKernel } from '../kvm/kernelDiff.js';
import { kernelInfo } from '../kvm/kernelInfo.js';
import { runOnKernel } from '../kvm/kernelRun.js';
import { KvmUnavailable } from '../kvm/kvmUnavailable.js';
import { reachLines } from '../kvm/reach.js';
import { RunnerError } from '../kvm/runnerError.js';
import type { Command } from '../model/command.js';
import type { Observation } from '../model/observation.js';
import { commandJson, observationJson, serializeTrace } from '../model/traceFormat.js';
import { type CliIo, EXIT } from './io.js';
import { loadTraces } from './traceFiles.js';
import { violationLine } from './violationLine.js';

/** `--qemu <suite>` or the local /dev/kvm. */
export function kernelSource(qemu: string | undefined): KernelSource {
  return qemu === undefined ? { kind: 'local' } : { kind: 'qemu', suite: qemu };
}

async function withKernel(
  io: CliIo,
  source: KernelSource,
  work: (c: Connection) => Promise<number>,
): Promise<number> {
  let connection: Connection | undefined;
  try {
    connection = await connect(source);
    return await work(connection);
  } catch (error) {
    if (error instanceof RunnerError) {
      io.err(`seoib kvm: ${error.message}\n`);
      return EXIT.failed;
    }
    if (!(error instanceof KvmUnavailable)) throw error;
    io.err(`seoib kvm: ${error.message}\n`);
    return EXIT.noKernel;
  } finally {
    connection?.runner.close();
  }
}

/** `seoib kvm info`: the kernel's release, its answers to the probe, and the kernel profiles it matches. */
export function kvmInfo(io: CliIo, source: KernelSource, json: boolean): Promise<number> {
  return withKernel(io, source, async (connection) => {
    const info = await kernelInfo(connection.runner);
    const { kernel, bootSeconds, backend, guest } = connection;
    if (json) {
      io.out(`${JSON.stringify({ kernel, bootSeconds, backend, guest, ...info }, null, 2)}\n`);
      return EXIT.ok;
    }
    io.out(`kernel: ${kernel} (release ${info.release}, ${backend}; ready in ${bootSeconds.toFixed(1)} s)\n`);
    io.out(`guest: ${guest.architectural ? 'architectural' : 'NOT architectural'}: ${guest.detail}\n`);
    for (const { command, observed } of info.answers)
      io.out(`  ${JSON.stringify(commandJson(command))} -> ${JSON.stringify(observationJson(observed))}\n`);
    io.out(`matches kernel profile(s): ${info.matches.length === 0 ? 'none' : info.matches.join(', ')}\n`);
    return EXIT.ok;
  });
}

/** `seoib kvm run`: each trace on a fresh VM of the real kernel, compared with the model command by command. */
export function kvmRun(
  io: CliIo,
  paths: readonly string[],
  source: KernelSource,
  json: boolean,
): Promise<number> {
  const traces = loadTraces(paths);
  return withKernel(io, source, async (connection) => {
    const results = [];
    const noGuest = guestLeftOut(connection);
    for (const { file, trace } of traces) {
      try {
        results.push({ file, trace, run: await runOnKernel(connection.runner, trace, { noGuest }) });
      } catch (error) {
        throw error instanceof RunnerError ? new RunnerError(`${file}: ${error.message}`) : error;
      }
    }
    const disagreeing = results.filter((r) => r.run.disagreements.length > 0).length;
    if (json) {
      const report = results.map(({ file, trace, run }) => ({
        file,
        ran: run.ran,
        unsupported:
          run.unsupported === undefined ? null : { op: run.unsupported.command.op, why: run.unsupported.why },
        disagreements: run.disagreements,
        violations: run.violations,
        // What each side observed, command by command, reactions included.
        commands: run.observations.map((kernel, index) => ({
          command: commandJson(trace.commands[index] as Command),
          model: observationJson(run.model[index] as Observation),
          kernel: observationJson(kernel),
        })),
      }));
      io.out(`${JSON.stringify({ kernel: connection.kernel, traces: report }, null, 2)}\n`);
    } else {
      io.out(`kernel: ${connection.kernel}\n`);
      if (noGuest !== undefined) io.out(`${noGuest}\n`);
      for (const { file, run } of results) {
        const partial =
          run.unsupported === undefined
            ? ''
            : ` (stopped before ${run.unsupported.command.op}${noGuest === run.unsupported.why ? '' : `: ${run.unsupported.why}`})`;
        io.out(
          `${file}: ${run.ran} commands on the kernel, ${run.disagreements.length} disagreement(s)${partial}\n`,
        );
        for (const d of run.disagreements) {
          const where = d.reaction === undefined ? `${d.index}` : `${d.index}, reaction ${d.reaction}`;
          io.out(`  [${where}] ${d.command}: model ${d.model}, kernel ${d.kernel}\n`);
        }
        for (const v of run.violations) io.out(`  model invariant ${violationLine(v)}\n`);
      }
      io.out(
        `${disagreeing === 0 ? 'the kernel agrees with the model' : `${disagreeing} trace(s) DISAGREE`}\n`,
      );
    }
    return disagreeing > 0 ? EXIT.failed : EXIT.ok;
  });
}

/**
 * `seoib kvm record`: runs each trace on the kernel and writes it back (atomically, through a symbolic link to the
 * file it names) with the kernel's answers as `expect`, the guest program's reactions included. A trace the kernel
 * cannot run to its end is left as it was. Exit 0 when every trace was recorded, 1 otherwise.
 */
export function kvmRecord(io: CliIo, paths: readonly string[], source: KernelSource): Promise<number> {
  const traces = loadTraces(paths);
  return withKernel(io, source, async (connection) => {
    io.out(`kernel: ${connection.kernel}\n`);
    let left = 0;
    for (const { file, trace } of traces) {
      const run = await runOnKernel(connection.runner, trace, { noGuest: guestLeftOut(connection) });
      if (run.unsupported !== undefined) {
        left += 1;
        io.out(
          `${file}: not recorded: the kernel ran ${run.ran} of ${trace.commands.length} commands (stopped before ${run.unsupported.command.op}: ${run.unsupported.why})\n`,
        );
        continue;
      }
      writeFileAtomic(realpathSync(file), serializeTrace(recordTrace(trace, run.observations)));
      io.out(
        `${file}: recorded ${run.ran} commands; ${run.disagreements.length} disagreement(s) with the model\n`,
      );
    }
    io.out(`${left === 0 ? 'every trace recorded' : `${left} trace(s) not recorded`}\n`);
    return left === 0 ? EXIT.ok : EXIT.failed;
  });
}

/** Options of `seoib kvm diff`, validated. */
export interface KvmDiffOptions {
  /** fast-check seed. */
  seed: number;
  /** Random traces. */
  runs: number;
  /** Commands per trace at most. */
  maxCommands: number;
  /** Model kernel profile, or undefined to take the one the kernel matches. */
  kernelProfile: string | undefined;
  /** Folder for the shrunk disagreement. */
  out: string;
  /** The command line that replays this run. */
  replay: string;
}

/**
 * `seoib kvm diff`: random traces from the whole trace format on the kernel and the model side by side, and the reach table of the agreeing ones; the first disagreement is shrunk
 * and written as a trace whose `expect` holds the kernel's answers, so `seoib replay` shows where the model is wrong.
 */
export function kvmDiff(io: CliIo, source: KernelSource, options: KvmDiffOptions): Promise<number> {
  io.out(`seoib kvm diff: seed ${options.seed}\nreplay this run: ${options.replay}\n`);
  return withKernel(io, source, async (connection) => {
    const profile = options.kernelProfile ?? (await kernelInfo(connection.runner)).matches[0];
    if (profile === undefined) {
      io.err(
        `seoib kvm diff: ${connection.kernel} matches no kernel profile; name one with --kernel-profile\n`,
      );
      return EXIT.failed;
    }
    io.out(`kernel: ${connection.kernel}, compared with the model's ${profile} profile\n`);
    const noGuest = guestLeftOut(connection);
    if (noGuest !== undefined) io.out(`${noGuest}\n`);
    const result = await diffKernel(connection.runner, {
      ...options,
      kernel: profile,
      noGuest,
      progress: { every: 500, report: (agreeing) => io.out(`  ${agreeing} traces agree so far\n`) },
    });
    const { deliveries, accepted, exits } = result.reached;
    io.out(
      `${result.runs} random traces (${noGuest === undefined ? 'ioctls, guest, device' : 'ioctls only'}), ` +
        `${result.rate.toFixed(1)} traces/s; agreeing traces ` +
        `with a delivery: ${deliveries}, an interrupt taken: ${accepted}, an EOI exit: ${exits}\n`,
    );
    io.out(
      'reach: agreeing traces that ran each op and field category (a category only disagreeing traces drew: 0)\n',
    );
    for (const line of reachLines(result.reach)) io.out(`  ${line}\n`);
    if (result.found === undefined) {
      io.out('the kernel agrees with the model on every trace\n');
      return EXIT.ok;
    }
    const file = join(options.out, `kvm-diff--${profile}--seed-${options.seed}.json`);
    writeFileAtomic(file, serializeTrace(result.found.trace));
    io.out(`DISAGREEMENT, shrunk to ${result.found.trace.commands.length} commands:\n`);
    for (const d of result.found.disagreements)
      io.out(`  [${d.index}] ${d.command}: model ${d.model}, kernel ${d.kernel}\n`);
    io.out(
      `trace with the kernel's answers as expect: ${file}\n  replay on the model: seoib replay ${file}\n`,
    );
    return EXIT.failed;
  });
}
