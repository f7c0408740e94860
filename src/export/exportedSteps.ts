import { runTrace } from '../check/runTrace.js';
import { type Command, isIoctl } from '../model/command.js';
import type { Observation } from '../model/observation.js';
import { type Trace, TraceInputError } from '../model/trace.js';
import { commandJson } from '../model/traceFormat.js';

/** One ioctl of an exported reproducer and the answer it must get. */
export interface ExportedStep {
  /** The command. */
  command: Command;
  /** The command as one line of trace JSON, for comments and messages. */
  text: string;
  /** Expected return (0 for a created vCPU). */
  ret: number;
  /** Expected register value of KVM_GET_LAPIC, compared under `mask`. */
  value?: { value: number; mask: number };
}

/**
 * The trace's commands with the answer each must get: the trace's `expect` where it has one, else what the seoib
 * model observes. A standalone repro holds ioctls only; any other command is refused with its JSON path.
 */
export function exportedSteps(trace: Trace, file: string): ExportedStep[] {
  const model = runTrace(trace).observations;
  return trace.commands.map((command, index) => {
    if (!isIoctl(command)) {
      throw new TraceInputError(
        file,
        `$.commands[${index}].op`,
        `${command.op}: a standalone repro holds ioctl commands only; without --standalone the KVM selftest runs guests`,
      );
    }
    const modelled = model[index] as Observation;
    const ret = command.expect?.ret ?? modelled.ret ?? 0;
    const step: ExportedStep = { command, text: JSON.stringify(commandJson(command)), ret };
    const value = command.expect?.value ?? modelled.value;
    if (command.op === 'KVM_GET_LAPIC' && value !== undefined) {
      step.value = { value, mask: command.expect?.mask ?? 0xffffffff };
    }
    return step;
  });
}
