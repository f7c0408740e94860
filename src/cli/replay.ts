import { realpathSync } from 'node:fs';
import type { Violation } from '../invariants/index.js';
import type { Command } from '../model/command.js';
import type { Observation } from '../model/observation.js';
import { type Mismatch, recordTrace, runTrace } from '../model/runTrace.js';
import { commandJson, observationJson, serializeTrace } from '../model/traceFormat.js';
import { writeFileAtomic } from './atomicWrite.js';
import { type CliIo, EXIT } from './io.js';
import { loadTraces } from './traceFiles.js';

/** Options of `seoib replay`. */
export interface ReplayOptions {
  /** Print one JSON object instead of text. */
  json: boolean;
  /** Write each trace back with its observations as expectations. */
  record: boolean;
}

function compact(value: unknown): string {
  return JSON.stringify(value);
}

function describe(observation: Observation): string {
  const { reactions, ...rest } = observationJson(observation);
  return compact(rest);
}

function printTrace(
  io: CliIo,
  file: string,
  commands: readonly Command[],
  observations: Observation[],
  mismatches: Mismatch[],
): void {
  io.out(`${file}\n`);
  observations.forEach((observation, index) => {
    io.out(`  [${index}] ${compact(commandJson(commands[index] as Command))} -> ${describe(observation)}\n`);
    for (const reaction of observation.reactions ?? []) {
      io.out(`        guest: ${compact(commandJson(reaction.command))} -> ${describe(reaction.observed)}\n`);
    }
    for (const m of mismatches.filter((x) => x.index === index)) {
      io.out(
        `  MISMATCH [${index}] ${m.field}: expected ${compact(m.expected)}, observed ${compact(m.observed)}\n`,
      );
    }
  });
  io.out(
    `  ${mismatches.length === 0 ? 'ok' : 'FAILED'}: ${observations.length} commands, ${mismatches.length} mismatches\n`,
  );
}

function printViolations(io: CliIo, violations: readonly Violation[]): void {
  for (const v of violations) {
    const where = v.reaction === null ? `[${v.index}]` : `[${v.index}] reaction ${v.reaction}`;
    const verdict = v.expected === null ? 'VIOLATED' : `expected (${v.expected})`;
    io.out(`  ${v.invariant} ${where}: ${v.detail}: ${verdict}\n`);
  }
}

/** `seoib replay`: runs traces on the model, reports observations and expectation mismatches. */
export function replay(io: CliIo, paths: readonly string[], options: ReplayOptions): number {
  const files = loadTraces(paths);
  const results = files.map(({ file, trace }) => ({ file, trace, run: runTrace(trace) }));
  if (options.record) {
    // Through a symbolic link to the file it names: the link stays.
    for (const { file, trace, run } of results)
      writeFileAtomic(realpathSync(file), serializeTrace(recordTrace(trace, run)));
  }
  const failed = results.some(
    ({ run }) =>
      (!options.record && run.mismatches.length > 0) || run.violations.some((v) => v.expected === null),
  );
  if (options.json) {
    const traces = results.map(({ file, run }) => ({
      file,
      mismatches: run.mismatches,
      violations: run.violations.map(({ invariant, index, expected }) => ({
        invariant,
        index,
        expected: expected !== null,
      })),
      observations: run.observations.map(observationJson),
    }));
    io.out(`${JSON.stringify({ traces }, null, 2)}\n`);
  } else {
    for (const { file, trace, run } of results) {
      printTrace(io, file, trace.commands, run.observations, run.mismatches);
      printViolations(io, run.violations);
    }
    if (options.record) io.out(`recorded expectations into ${results.length} trace file(s)\n`);
  }
  return failed ? EXIT.failed : EXIT.ok;
}
