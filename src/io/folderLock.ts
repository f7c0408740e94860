import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const POLL_MS = 200;
const WAIT_MS = 20 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * One attempt at the lock of `folder`: a `.lock` folder holding its owner's pid. A lock whose owner has died is
 * taken over. Returns the release function, or the pid of the live owner.
 */
function tryLock(folder: string): { release: () => void } | { owner: number } {
  const lock = join(folder, '.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return { release: () => rmSync(lock, { recursive: true, force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // The owner made the folder and has not written its pid yet.
      }
      if (!Number.isInteger(owner) || alive(owner)) return { owner };
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/**
 * Runs `work` holding the lock of a cache folder, waiting while another process holds it, so that two processes
 * (vitest's workers, two CLI runs) never fetch or unpack into it at once. Held longer than 20 minutes: an error.
 */
export function withFolderLock<T>(folder: string, work: () => T): T {
  mkdirSync(folder, { recursive: true });
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const attempt = tryLock(folder);
    if ('release' in attempt) {
      try {
        return work();
      } finally {
        attempt.release();
      }
    }
    if (Date.now() > deadline)
      throw new Error(`${folder}: locked by process ${attempt.owner} for 20 minutes`);
    sleep(POLL_MS);
  }
}

/**
 * Claims an existing output folder for this process, or names the live process that has it: two campaigns must
 * never write into one folder. Returns the release function.
 */
export function claimFolder(folder: string): { release: () => void } | { owner: number } {
  return tryLock(folder);
}
