import { Worker } from 'node:worker_threads';

/**
 * Runs `jobs` on `count` worker threads started from `script` with `data`, each taking the next job when it posts
 * the result of one. Results arrive in the order they finish; a caller whose output must not depend on the number
 * of workers puts them back in job order.
 */
export function runInWorkers<J, R>(
  script: URL,
  jobs: readonly J[],
  data: unknown,
  count: number,
  onResult: (result: R) => void,
): Promise<void> {
  const queue = [...jobs];
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
      worker.on('message', (result: R) => {
        onResult(result);
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
