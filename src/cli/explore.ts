import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { type ExploreResult, explore as exploreRow } from '../explore/explore.js';
import { boundOf, matrixMarkdown, rowJson } from '../explore/matrixReport.js';
import { counterexampleFile, recordedTrace, rowFile } from '../fuzz/counterexample.js';
import { coverageOf, measureCoverage } from '../fuzz/coverage.js';
import { INVARIANT_IDS } from '../invariants/index.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { runInWorkers } from '../io/workerPool.js';
import { serializeTrace } from '../model/traceFormat.js';
import { matrixTable } from '../scenario/matrix.js';
import { rowName } from '../scenario/row.js';
import type { ExploreCliOptions } from './exploreOptions.js';
import type { ExploredRow, ExploreJob, ExploreWorkerData } from './exploreWorker.js';
import type { CliIo } from './io.js';
import { verdict } from './verdict.js';

interface Explored extends Searched {
  files: Map<object, string>;
  seconds: number;
}

/** The rows' results in row order, the seconds each took, and the coverage ids they reached. */
interface Searched {
  results: ExploreResult[];
  rowSeconds: number[];
  visited: Set<string>;
}

/** Told of each row as its search ends, in the order they end. */
type OnRow = (result: ExploreResult, seconds: number) => void;

/**
 * One line per row as its search ends (states, bound, seconds), so a long run shows progress and leaves a partial
 * answer when stopped; not with --json, and not where the terminal's progress bar already shows the row.
 */
function rowLines(io: CliIo, options: ExploreCliOptions): OnRow {
  if (options.json || drawsBar(io, options)) return () => undefined;
  let done = 0;
  return (result, seconds) => {
    done += 1;
    io.out(
      `[${done}/${options.rows.length}] ${rowName(result.row)}: ${result.states} states, ${boundOf(result)}, ${seconds.toFixed(1)} s\n`,
    );
  };
}

/** Whether rows explored on this thread draw a progress bar: on a terminal, not with --json. */
function drawsBar(io: CliIo, options: ExploreCliOptions): boolean {
  return io.isTty && !options.json && options.workers <= 1;
}

/** Explores the rows one after the other on this thread, with a progress bar on a terminal. */
function exploreHere(io: CliIo, options: ExploreCliOptions, onRow: OnRow): Searched {
  const bar = drawsBar(io, options)
    ? new SingleBar({
        format:
          'explore {row} | depth {value}/{total} | frontier {frontier} | {states} states | {rate} states/s',
        stream: process.stdout,
      })
    : undefined;
  const rowSeconds: number[] = [];
  const { result: results, visited } = measureCoverage(() =>
    options.rows.map((row, k) => {
      const rowStarted = Date.now();
      const name = `[${k + 1}/${options.rows.length}] ${rowName(row)}`;
      bar?.start(options.depth, 0, { row: name, frontier: 1, states: 1, rate: 0 });
      const result = exploreRow(row, {
        ...boundsOf(options),
        onLayer: (p) => {
          const rate = Math.round(p.states / Math.max((Date.now() - rowStarted) / 1000, 0.001));
          bar?.update(p.depth, { frontier: p.frontier, states: p.states, rate });
        },
      });
      bar?.stop();
      const seconds = (Date.now() - rowStarted) / 1000;
      rowSeconds.push(seconds);
      onRow(result, seconds);
      return result;
    }),
  );
  return { results, rowSeconds, visited };
}

function boundsOf(options: ExploreCliOptions): ExploreWorkerData {
  return { depth: options.depth, maxStates: options.maxStates, symmetry: options.symmetry };
}

/** Explores the rows on worker threads, a row each; the results come back in row order, whatever finished first. */
async function exploreInWorkers(options: ExploreCliOptions, onRow: OnRow): Promise<Searched> {
  const results: ExploreResult[] = [];
  const rowSeconds: number[] = [];
  const visited = new Set<string>();
  const jobs: ExploreJob[] = options.rows.map((row, position) => ({ row, position }));
  const script = new URL('./exploreWorker.js', import.meta.url);
  await runInWorkers<ExploreJob, ExploredRow>(
    script,
    jobs,
    boundsOf(options),
    options.workers,
    (explored) => {
      results[explored.position] = explored.result;
      rowSeconds[explored.position] = explored.seconds;
      for (const id of explored.visited) visited.add(id);
      onRow(explored.result, explored.seconds);
    },
  );
  return { results, rowSeconds, visited };
}

async function runRows(io: CliIo, options: ExploreCliOptions): Promise<Explored> {
  const started = Date.now();
  const onRow = rowLines(io, options);
  const searched =
    options.workers > 1 ? await exploreInWorkers(options, onRow) : exploreHere(io, options, onRow);
  const files = new Map<object, string>();
  for (const result of searched.results) {
    for (const found of result.found) {
      const file = counterexampleFile(options.out, found).replace(
        /\.json$/,
        found.violation.expected === null ? '.json' : '.expected.json',
      );
      writeFileAtomic(file, serializeTrace(recordedTrace(found.row, found.commands)));
      files.set(found, file);
    }
    for (const deadlock of result.deadlocks) {
      const file = rowFile(options.out, `deadlock-vector${deadlock.vector}`, result.row);
      writeFileAtomic(file, serializeTrace(recordedTrace(result.row, deadlock.commands)));
      files.set(deadlock, file);
    }
  }
  return { ...searched, files, seconds: (Date.now() - started) / 1000 };
}

function printRow(
  io: CliIo,
  result: ExploreResult,
  seconds: number,
  files: ReadonlyMap<object, string>,
): void {
  io.out(
    `\n${rowName(result.row)}: ${result.states} states, ${result.transitions} transitions, ${boundOf(result)}, ${Math.round(result.bytesPerState)} bytes/state${result.symmetry ? ', up to symmetry' : ''}, ${seconds.toFixed(1)} s\n`,
  );
  for (const found of result.found) {
    const verdict = found.violation.expected === null ? 'VIOLATED' : `expected: ${found.violation.expected}`;
    io.out(
      `  ${found.violation.invariant} (${verdict})\n    ${found.violation.detail}; shortest trace: ${found.commands.length} commands\n    replay: seoib replay ${files.get(found)}\n`,
    );
  }
  for (const deadlock of result.deadlocks) {
    io.out(
      `  deadlock: vector ${deadlock.vector} pending and never delivered again in ${deadlock.states} state(s); shortest trace: ${deadlock.commands.length} commands\n    replay: seoib replay ${files.get(deadlock)}\n`,
    );
  }
  if (result.found.length === 0 && result.deadlocks.length === 0)
    io.out('  every invariant holds, no deadlock\n');
}

function judge(results: readonly ExploreResult[], options: ExploreCliOptions) {
  const violations = results.flatMap((r) => r.found).map((f) => f.violation);
  const deadlocks = results.reduce((n, r) => n + r.deadlocks.length, 0);
  return verdict({ violations, deadlocks }, options.failOn);
}

function summary(io: CliIo, explored: Explored, options: ExploreCliOptions, listMissing: boolean): number {
  const { results, visited, seconds } = explored;
  const states = results.reduce((n, r) => n + r.states, 0);
  const coverage = coverageOf(visited);
  io.out(
    `\n${states} states in ${seconds.toFixed(1)} s (${Math.round(states / Math.max(seconds, 0.001))} states/s)\n`,
  );
  io.out(
    `machine coverage: states ${coverage.states.reached}/${coverage.states.total}, transitions ${coverage.transitions.reached}/${coverage.transitions.total}, wiring ${coverage.wiring.reached}/${coverage.wiring.total}\n`,
  );
  if (listMissing)
    for (const missing of [
      ...coverage.states.missing,
      ...coverage.transitions.missing,
      ...coverage.wiring.missing,
    ])
      io.out(`  never reached: ${missing}\n`);
  io.out(`\ntraces in ${options.out}\n`);

  const judged = judge(results, options);
  io.out(`${judged.line}\n`);
  return judged.code;
}

function report(explored: Explored, options: ExploreCliOptions) {
  const coverage = coverageOf(explored.visited);
  return {
    replay: options.replay,
    config: options.rows[0]?.config,
    depth: options.depth,
    symmetry: options.symmetry,
    invariants: INVARIANT_IDS,
    rows: explored.results.map((r, k) => ({
      ...rowJson(r, explored.files),
      seconds: explored.rowSeconds[k],
    })),
    coverage,
    seconds: explored.seconds,
    verdict: judge(explored.results, options).json,
  };
}

/** `seoib explore`: exhaustive search of each row, with shortest counterexamples, deadlocks and coverage. */
export async function explore(io: CliIo, options: ExploreCliOptions): Promise<number> {
  if (!options.json) io.out(`seoib explore (deterministic: no seed)\nrepeat this run: ${options.replay}\n`);
  const explored = await runRows(io, options);
  if (options.json) {
    io.out(`${JSON.stringify(report(explored, options), null, 2)}\n`);
    return judge(explored.results, options).code;
  }
  explored.results.forEach((result, k) => {
    printRow(io, result, explored.rowSeconds[k] as number, explored.files);
  });
  return summary(io, explored, options, true);
}

/** `seoib matrix`: explores every row and prints the proven verdict table; writes it as JSON and Markdown. */
export async function matrix(io: CliIo, options: ExploreCliOptions): Promise<number> {
  if (!options.json) io.out(`seoib matrix (deterministic: no seed)\nrepeat this run: ${options.replay}\n`);
  const explored = await runRows(io, options);
  const json = join(options.out, 'matrix.json');
  const markdown = join(options.out, 'matrix.md');
  writeFileAtomic(json, `${JSON.stringify(report(explored, options), null, 2)}\n`);
  writeFileAtomic(markdown, matrixMarkdown(explored.results, options.replay));
  if (options.json) {
    io.out(`${JSON.stringify(report(explored, options), null, 2)}\n`);
    return judge(explored.results, options).code;
  }
  const perRow = {
    header: `${'states'.padStart(10)}  ${'depth'.padStart(5)}  ${'seconds'.padStart(7)}`,
    cell: (k: number) => {
      const result = explored.results[k] as ExploreResult;
      const depth = `${result.depth}${result.exhausted ? '' : '+'}`;
      return `${String(result.states).padStart(10)}  ${depth.padStart(5)}  ${(explored.rowSeconds[k] as number).toFixed(1).padStart(7)}`;
    },
  };
  io.out(`\n${matrixTable(explored.results, perRow)}\n`);
  const bounds = new Set(explored.results.map((r) => (r.exhausted ? 'fixpoint' : boundOf(r))));
  io.out(`\nproven to: ${[...bounds].join(', ')}; written: ${json}, ${markdown}\n`);
  return summary(io, explored, options, false);
}
