import { SingleBar } from 'cli-progress';
import { type Found, fuzzRow, type RowResult, rowSeed } from '../fuzz/campaign.js';
import { counterexampleFile, counterexampleText, vitestSnippet } from '../fuzz/counterexample.js';
import { coverageOf, measureCoverage } from '../fuzz/coverage.js';
import { matrixTable, verdicts } from '../fuzz/matrix.js';
import { rowName } from '../fuzz/row.js';
import { writeFileAtomic } from './atomicWrite.js';
import type { FuzzOptions } from './fuzzOptions.js';
import { type CliIo, EXIT } from './io.js';

interface Progress {
  row(done: number, result: RowResult): void;
  stop(): void;
}

function progress(io: CliIo, options: FuzzOptions, started: number): Progress {
  const total = options.rows.length;
  let runs = 0;
  let commands = 0;
  let violations = 0;
  const rate = () => Math.round(commands / Math.max((Date.now() - started) / 1000, 0.001));
  const note = (result: RowResult) => {
    runs += result.runs;
    commands += result.commands;
    violations += result.found.length;
  };
  if (options.json) return { row: (_done, result) => note(result), stop: () => undefined };
  if (io.isTty) {
    const bar = new SingleBar({
      format:
        'fuzz [{bar}] {value}/{total} rows | {runs} runs | {rate} cmd/s | {violations} found | {duration_formatted}',
      stream: process.stdout,
    });
    bar.start(total, 0, { runs: 0, rate: 0, violations: 0 });
    return {
      row: (done, result) => {
        note(result);
        bar.update(done, { runs, rate: rate(), violations });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    row: (done, result) => {
      note(result);
      const found = result.found.map((f) => f.violation.invariant).join(', ') || 'nothing';
      io.out(
        `[${done}/${total}] ${rowName(result.row)}: ${result.runs} runs, ${result.commands} commands, found ${found}\n`,
      );
    },
    stop: () => undefined,
  };
}

function describeFound(io: CliIo, found: Found, file: string): void {
  const verdict = found.violation.expected === null ? 'VIOLATED' : `expected: ${found.violation.expected}`;
  io.out(`\n${found.violation.invariant} on ${rowName(found.row)} (${verdict})\n`);
  io.out(`  ${found.violation.detail}, at command ${found.violation.index} of ${found.commands.length}\n`);
  io.out(`  replay: seoib replay ${file}\n`);
  if (found.violation.expected === null) io.out(`\n${vitestSnippet(file, found)}\n`);
}

/** `seoib fuzz`: fuzzes every row, writes each counterexample, prints findings, the matrix and coverage. */
export function fuzz(io: CliIo, options: FuzzOptions): number {
  const started = Date.now();
  if (!options.json) io.out(`seoib fuzz: seed ${options.seed}\nreplay this campaign: ${options.replay}\n`);
  const bar = progress(io, options, started);
  const perRowMs = options.timeMs === undefined ? undefined : options.timeMs / options.rows.length;
  const { result: results, visited } = measureCoverage(() =>
    options.rows.map((row, k) => {
      const deadline = perRowMs === undefined ? undefined : started + perRowMs * (k + 1);
      const result = fuzzRow(row, {
        seed: rowSeed(options.seed, row),
        runs: perRowMs === undefined ? options.runs : Number.MAX_SAFE_INTEGER,
        maxCommands: options.maxCommands,
        only: options.invariants,
        ...(deadline === undefined ? {} : { deadline }),
      });
      bar.row(k + 1, result);
      return result;
    }),
  );
  bar.stop();
  const files = new Map<Found, string>();
  for (const found of results.flatMap((r) => r.found)) {
    const file = counterexampleFile(options.out, found);
    writeFileAtomic(file, counterexampleText(found));
    files.set(found, file);
  }
  const coverage = coverageOf(visited);
  const unexpected = results.flatMap((r) => r.found).filter((f) => f.violation.expected === null);
  const totals = results.reduce(
    (t, r) => ({ runs: t.runs + r.runs, commands: t.commands + r.commands, refused: t.refused + r.refused }),
    { runs: 0, commands: 0, refused: 0 },
  );
  if (options.json) {
    const report = {
      seed: options.seed,
      replay: options.replay,
      rows: results.map((r) => ({
        row: rowName(r.row),
        runs: r.runs,
        commands: r.commands,
        verdicts: verdicts(r),
        found: r.found.map((f) => ({
          invariant: f.violation.invariant,
          expected: f.violation.expected,
          detail: f.violation.detail,
          commands: f.commands.length,
          file: files.get(f),
        })),
      })),
      draws: { total: totals.commands, discarded: 0, refusedByModel: totals.refused },
      coverage,
    };
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return unexpected.length > 0 ? EXIT.failed : EXIT.ok;
  }
  for (const found of results.flatMap((r) => r.found)) describeFound(io, found, files.get(found) as string);
  const seconds = (Date.now() - started) / 1000;
  io.out(
    `\n${totals.runs} runs, ${totals.commands} commands in ${seconds.toFixed(1)} s (${Math.round(totals.commands / seconds)} commands/s)\n`,
  );
  const percent = (n: number, d: number) => `${((100 * n) / Math.max(d, 1)).toFixed(1)}%`;
  io.out(
    `draws discarded: 0 (every draw is taken from the accepted or the full command set); refused by the model: ${totals.refused} (${percent(totals.refused, totals.commands)})\n`,
  );
  io.out(
    `coverage: states ${coverage.states.reached}/${coverage.states.total} (${percent(coverage.states.reached, coverage.states.total)}), transitions ${coverage.transitions.reached}/${coverage.transitions.total} (${percent(coverage.transitions.reached, coverage.transitions.total)})\n`,
  );
  for (const missing of [...coverage.states.missing, ...coverage.transitions.missing])
    io.out(`  never reached: ${missing}\n`);
  if (options.matrix) io.out(`\n${matrixTable(results)}\n`);
  io.out(
    `\n${unexpected.length === 0 ? 'no unexpected violation' : `${unexpected.length} UNEXPECTED violation(s)`}; counterexamples in ${options.out}\n`,
  );
  return unexpected.length > 0 ? EXIT.failed : EXIT.ok;
}
