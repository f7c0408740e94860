import type { Command } from '../model/command.js';
import type { Observation } from '../model/observation.js';
import { runTrace } from '../model/runTrace.js';
import type { Trace } from '../model/trace.js';
import { commandJson, observationJson } from '../model/traceFormat.js';
import { requestFor } from './requests.js';
import type { RunnerProcess } from './runnerProcess.js';

/** Where the kernel and the model disagree on one command. */
export interface Disagreement {
  /** Command index. */
  index: number;
  /** The command, as in the trace. */
  command: string;
  /** What the model observed. */
  model: string;
  /** What the kernel observed. */
  kernel: string;
}

/** A trace run on the real kernel beside the model. */
export interface KernelRun {
  /** Observations of the kernel, command by command (ioctls only). */
  observations: Observation[];
  /** Commands run before the first one the runner cannot issue (all of them when it can issue every one). */
  ran: number;
  /** The first command the runner cannot issue yet, if any. */
  unsupported: Command | undefined;
  /** Disagreements on the commands run. */
  disagreements: Disagreement[];
}

/** Runs the trace's commands on a fresh VM of the runner's kernel and compares each with the model. */
export async function runOnKernel(runner: RunnerProcess, trace: Trace): Promise<KernelRun> {
  await runner.ask('new_vm');
  const model = runTrace(trace).observations;
  const observations: Observation[] = [];
  const disagreements: Disagreement[] = [];
  let unsupported: Command | undefined;
  for (const [index, command] of trace.commands.entries()) {
    const request = requestFor(command);
    if (request === undefined) {
      unsupported = command;
      break;
    }
    const answer = await runner.ask(request);
    const observed: Observation =
      answer.value !== undefined && answer.ret === 0
        ? { ret: 0, value: answer.value }
        : { ret: answer.ret ?? NaN };
    observations.push(observed);
    const expected = model[index] as Observation;
    const comparable: Observation =
      expected.value !== undefined
        ? { ret: expected.ret ?? NaN, value: expected.value }
        : { ret: expected.ret ?? NaN };
    const [m, k] = [JSON.stringify(observationJson(comparable)), JSON.stringify(observationJson(observed))];
    if (m !== k)
      disagreements.push({ index, command: JSON.stringify(commandJson(command)), model: m, kernel: k });
  }
  return { observations, ran: observations.length, unsupported, disagreements };
}
