import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Writes a file so readers see the old content or the whole new one, never a part. */
export function writeFileAtomic(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
