import { Worker } from 'node:worker_threads';
import type { FuzzJob, FuzzWorkerData } from './fuzzWorker.js';
import type { RowRecord } from './rowRecord.js';

/**
 * Fuzzes `jobs` on `count` worker threads, each taking the next row when it finishes one. A row's seed depends on
 * the campaign seed and the row only, so the records are the same whatever the number of workers.
 */
export function fuzzInWorkers(
  jobs: readonly FuzzJob[],
  data: FuzzWorkerData,
  count: number,
  onRecord: (record: RowRecord) => void,
): Promise<void> {
  const queue = [...jobs];
  const script = new URL('./fuzzWorker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let running = 0;
    const feed = (worker: Worker) => {
      const job = queue.shift();
      if (job === undefined) {
        void worker.terminate();
        running -= 1;
        if (running === 0) resolve();
      } else worker.postMessage(job);
    };
    for (let k = 0; k < Math.min(count, queue.length); k++) {
      const worker = new Worker(script, { workerData: data });
      workers.push(worker);
      running += 1;
      worker.on('message', (record: RowRecord) => {
        onRecord(record);
        feed(worker);
      });
      worker.on('error', (error) => {
        for (const other of workers) void other.terminate();
        reject(error);
      });
      feed(worker);
    }
    if (running === 0) resolve();
  });
}
