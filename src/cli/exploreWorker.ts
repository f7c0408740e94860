import { parentPort, workerData } from 'node:worker_threads';
import { type ExploreOptions, type ExploreResult, explore } from '../explore/explore.js';
import { measureCoverage } from '../fuzz/coverage.js';
import type { Row } from '../scenario/row.js';

/** What an explore worker thread is started with: every row's bounds. */
export type ExploreWorkerData = Omit<ExploreOptions, 'onLayer'>;

/** One row to explore, as the pool sends it. */
export interface ExploreJob {
  /** The row. */
  row: Row;
  /** Its position in the selection. */
  position: number;
}

/** A row explored on a worker thread: its result, how long it took, and the machine states, transitions and wires it reached. */
export interface ExploredRow {
  /** The job's position. */
  position: number;
  /** What the search established. */
  result: ExploreResult;
  /** Seconds the search took. */
  seconds: number;
  /** Coverage ids reached. */
  visited: string[];
}

const bounds = workerData as ExploreWorkerData;
parentPort?.on('message', (job: ExploreJob) => {
  const started = performance.now();
  const { result, visited } = measureCoverage(() => explore(job.row, bounds));
  const seconds = (performance.now() - started) / 1000;
  const explored: ExploredRow = { position: job.position, result, seconds, visited: [...visited] };
  parentPort?.postMessage(explored);
});
