import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { CampaignStore } from '../fuzz/campaignStore.js';
import { vitestSnippet } from '../fuzz/counterexample.js';
import { coverageOf } from '../fuzz/coverage.js';
import type { FuzzJob, FuzzWorkerData } from '../fuzz/fuzzWorker.js';
import { type FoundRecord, fuzzRowRecord, type RowBudget, type RowRecord } from '../fuzz/rowRecord.js';
import { shardPositions } from '../fuzz/shard.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { runInWorkers } from '../io/workerPool.js';
import { matrixTable, verdicts } from '../scenario/matrix.js';
import { rowName } from '../scenario/row.js';
import type { FuzzOptions } from './fuzzOptions.js';
import type { CliIo } from './io.js';
import { claimOut } from './optionValues.js';
import { verdict } from './verdict.js';

interface Progress {
  row(record: RowRecord): void;
  stop(): void;
}

function progress(io: CliIo, options: FuzzOptions, total: number, started: number): Progress {
  let done = 0;
  let runs = 0;
  let commands = 0;
  let violations = 0;
  const rate = () => Math.round(commands / Math.max((Date.now() - started) / 1000, 0.001));
  const note = (record: RowRecord) => {
    done += 1;
    runs += record.runs;
    commands += record.commands;
    violations += record.found.length;
  };
  if (options.json) return { row: note, stop: () => undefined };
  if (io.isTty) {
    const bar = new SingleBar({
      format:
        'fuzz [{bar}] {value}/{total} rows | {runs} runs | {rate} cmd/s | {violations} found | {duration_formatted}',
      stream: process.stdout,
    });
    bar.start(total, 0, { runs: 0, rate: 0, violations: 0 });
    return {
      row: (record) => {
        note(record);
        bar.update(done, { runs, rate: rate(), violations });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    row: (record) => {
      note(record);
      const found = record.found.map((f) => f.violation.invariant).join(', ') || 'nothing';
      io.out(
        `[${done}/${total}] ${rowName(record.row)}: ${record.runs} runs, ${record.commands} commands, found ${found}\n`,
      );
    },
    stop: () => undefined,
  };
}

function describeFound(io: CliIo, record: RowRecord, found: FoundRecord, file: string): void {
  const { violation } = found;
  const verdict = violation.expected === null ? 'VIOLATED' : `expected: ${violation.expected}`;
  io.out(`\n${violation.invariant} on ${rowName(record.row)} (${verdict})\n`);
  io.out(`  ${violation.detail}, at command ${violation.index} of ${found.commands}\n`);
  io.out(`  replay: seoib replay ${file}\n`);
  if (violation.expected === null) io.out(`\n${vitestSnippet(file, violation.invariant, record.row)}\n`);
}

async function fuzzRows(
  jobs: readonly FuzzJob[],
  options: FuzzOptions,
  onRecord: (record: RowRecord) => void,
): Promise<void> {
  const budget: RowBudget = {
    seed: options.seed,
    runs: options.runs,
    maxCommands: options.maxCommands,
    only: options.invariants,
    ...(options.timeMs === undefined
      ? {}
      : { rowTimeMs: (options.timeMs * Math.min(options.workers, jobs.length)) / Math.max(jobs.length, 1) }),
  };
  if (options.workers > 1) {
    const data: FuzzWorkerData = { budget, out: options.out };
    const script = new URL('../fuzz/fuzzWorker.js', import.meta.url);
    await runInWorkers(script, jobs, data, options.workers, onRecord);
    return;
  }
  for (const job of jobs)
    onRecord(fuzzRowRecord(job.row, job.position, budget, options.out, writeFileAtomic));
}

/**
 * `seoib fuzz`: fuzzes this shard's rows that the campaign folder has not recorded yet, records each one as it
 * finishes, then prints findings, the matrix and coverage for the shard's rows.
 */
export async function fuzz(io: CliIo, options: FuzzOptions): Promise<number> {
  const started = Date.now();
  if (!options.json) io.out(`seoib fuzz: seed ${options.seed}\nreplay this campaign: ${options.replay}\n`);
  const release = claimOut(options.out);
  try {
    return await fuzzClaimed(io, options, started);
  } finally {
    release();
  }
}

async function fuzzClaimed(io: CliIo, options: FuzzOptions, started: number): Promise<number> {
  const { store, replaced } = CampaignStore.open(options.out, options.campaign, writeFileAtomic);
  const positions = shardPositions(options.rows.length, options.shard);
  const recorded = store.records();
  const jobs = positions
    .filter((position) => !recorded.has(position))
    .map((position) => ({ row: options.rows[position] as FuzzJob['row'], position }));
  if (!options.json) {
    if (replaced) io.out(`${options.out} held another campaign's rows; starting over (its traces stay)\n`);
    if (jobs.length < positions.length) {
      io.out(`resuming: ${positions.length - jobs.length} of ${positions.length} rows already recorded\n`);
    }
  }
  const bar = progress(io, options, jobs.length, started);
  await fuzzRows(jobs, options, (record) => {
    store.saveRow(record);
    bar.row(record);
  });
  bar.stop();
  const mine = new Set(positions);
  const records = store.saveResults().rows.filter((record) => mine.has(record.position));
  return report(io, options, records, started);
}

function report(io: CliIo, options: FuzzOptions, records: readonly RowRecord[], started: number): number {
  const coverage = coverageOf(new Set(records.flatMap((r) => r.visited)));
  const found = records.flatMap((r) => r.found);
  const judged = verdict({ violations: found.map((f) => f.violation) }, options.failOn);
  const totals = records.reduce(
    (t, r) => ({ runs: t.runs + r.runs, commands: t.commands + r.commands, refused: t.refused + r.refused }),
    { runs: 0, commands: 0, refused: 0 },
  );
  const fileOf = (found: FoundRecord) => join(options.out, found.file);
  if (options.json) {
    const json = {
      seed: options.seed,
      replay: options.replay,
      shard: `${options.shard.index}/${options.shard.count}`,
      rows: records.map((r) => ({
        row: rowName(r.row),
        runs: r.runs,
        commands: r.commands,
        verdicts: verdicts(r),
        found: r.found.map((f) => ({
          invariant: f.violation.invariant,
          expected: f.violation.expected,
          detail: f.violation.detail,
          commands: f.commands,
          file: fileOf(f),
        })),
      })),
      draws: { total: totals.commands, discarded: 0, refusedByModel: totals.refused },
      coverage,
      verdict: judged.json,
    };
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return judged.code;
  }
  for (const record of records) {
    for (const found of record.found) describeFound(io, record, found, fileOf(found));
  }
  const seconds = (Date.now() - started) / 1000;
  io.out(
    `\n${totals.runs} runs, ${totals.commands} commands in ${seconds.toFixed(1)} s (${Math.round(totals.commands / seconds)} commands/s)\n`,
  );
  const percent = (n: number, d: number) => `${((100 * n) / Math.max(d, 1)).toFixed(1)}%`;
  io.out(
    `draws discarded: 0 (every draw is taken from the accepted or the full command set); refused by the model: ${totals.refused} (${percent(totals.refused, totals.commands)})\n`,
  );
  io.out(
    `coverage: states ${coverage.states.reached}/${coverage.states.total} (${percent(coverage.states.reached, coverage.states.total)}), transitions ${coverage.transitions.reached}/${coverage.transitions.total} (${percent(coverage.transitions.reached, coverage.transitions.total)}), wiring ${coverage.wiring.reached}/${coverage.wiring.total}\n`,
  );
  for (const missing of [
    ...coverage.states.missing,
    ...coverage.transitions.missing,
    ...coverage.wiring.missing,
  ])
    io.out(`  never reached: ${missing}\n`);
  if (options.matrix) io.out(`\n${matrixTable(records)}\n`);
  io.out(`\ncounterexamples in ${options.out}\n`);

  io.out(`${judged.line}\n`);
  return judged.code;
}
