import { parentPort, workerData } from 'node:worker_threads';
import { writeFileAtomic } from '../io/atomicWrite.js';
import type { Row } from '../scenario/row.js';
import { fuzzRowRecord, type RowBudget } from './rowRecord.js';

/** What a fuzz worker thread is started with. */
export interface FuzzWorkerData {
  /** Budget of every row. */
  budget: RowBudget;
  /** Campaign folder the counterexamples go to. */
  out: string;
}

/** One row to fuzz, as the pool sends it. */
export interface FuzzJob {
  /** The row. */
  row: Row;
  /** Its position in the campaign's selection. */
  position: number;
}

const { budget, out } = workerData as FuzzWorkerData;
parentPort?.on('message', (job: FuzzJob) => {
  parentPort?.postMessage(fuzzRowRecord(job.row, job.position, budget, out, writeFileAtomic));
});
