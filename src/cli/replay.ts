import { realpathSync } from 'node:fs';
import { type Mismatch, recordTrace, traceSteps } from '../check/runTrace.js';
import type { Violation } from '../invariants/index.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import type { Command } from '../model/command.js';
import type { Observation } from '../model/observation.js';
import { commandJson, observationJson, serializeTrace } from '../model/traceFormat.js';
import { type CliIo, EXIT } from './io.js';
import { loadTraces, type TraceFile } from './traceFiles.js';
import { violationLine } from './violationLine.js';

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

function printViolations(io: CliIo, violations: readonly Violation[]): void {
  for (const v of violations) io.out(`  ${violationLine(v)}\n`);
}

/** What one trace's replay found: enough to decide the exit status. */
interface Replayed {
  mismatches: number;
  unexpected: number;
}

/**
 * Replays one trace, printing each command as it runs (text) or streaming its observations (JSON), so output
 * starts at once and memory does not grow with the trace; with `record`, its observations are kept to write back.
 */
function replayOne(io: CliIo, loaded: TraceFile, options: ReplayOptions, first: boolean): Replayed {
  const { file, trace } = loaded;
  const mismatches: Mismatch[] = [];
  const violations: Violation[] = [];
  const recorded: Observation[] = [];
  if (options.json)
    io.out(`${first ? '' : ',\n'}    {\n      "file": ${JSON.stringify(file)},\n      "observations": [`);
  else io.out(`${file}\n`);
  for (const step of traceSteps(trace)) {
    const { index, observation } = step;
    if (options.record) recorded.push(observation);
    mismatches.push(...step.mismatches);
    violations.push(...step.violations);
    if (options.json) {
      io.out(`${index === 0 ? '\n' : ',\n'}        ${JSON.stringify(observationJson(observation))}`);
      continue;
    }
    io.out(
      `  [${index}] ${compact(commandJson(trace.commands[index] as Command))} -> ${describe(observation)}\n`,
    );
    for (const reaction of observation.reactions ?? [])
      io.out(`        guest: ${compact(commandJson(reaction.command))} -> ${describe(reaction.observed)}\n`);
    for (const m of step.mismatches)
      io.out(
        `  MISMATCH [${index}] ${m.field}: expected ${compact(m.expected)}, observed ${compact(m.observed)}\n`,
      );
  }
  if (options.json) {
    const brief = violations.map(({ invariant, index, expected }) => ({
      invariant,
      index,
      expected: expected !== null,
    }));
    io.out(
      `\n      ],\n      "mismatches": ${JSON.stringify(mismatches)},\n      "violations": ${JSON.stringify(brief)}\n    }`,
    );
  } else {
    io.out(
      `  ${mismatches.length === 0 ? 'ok' : 'FAILED'}: ${trace.commands.length} commands, ${mismatches.length} mismatches\n`,
    );
    printViolations(io, violations);
  }
  if (options.record) {
    // Through a symbolic link to the file it names: the link stays.
    writeFileAtomic(realpathSync(file), serializeTrace(recordTrace(trace, recorded)));
  }
  return { mismatches: mismatches.length, unexpected: violations.filter((v) => v.expected === null).length };
}

/** `seoib replay`: runs traces on the model, reports observations and expectation mismatches. */
export function replay(io: CliIo, paths: readonly string[], options: ReplayOptions): number {
  const files = loadTraces(paths);
  if (options.json) io.out('{\n  "traces": [\n');
  const results = files.map((loaded, k) => replayOne(io, loaded, options, k === 0));
  if (options.json) io.out('\n  ]\n}\n');
  else if (options.record) io.out(`recorded expectations into ${results.length} trace file(s)\n`);
  const failed = results.some((r) => (!options.record && r.mismatches > 0) || r.unexpected > 0);
  return failed ? EXIT.failed : EXIT.ok;
}
