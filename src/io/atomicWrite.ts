import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes a file so readers see the old content or the whole new one, never a part. The temporary name is unique
 * across threads and across hosts sharing a volume (Kubernetes shards all run as pid 1).
 */
export function writeFileAtomic(path: string, content: string): void {
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new OutputError(path, error as NodeJS.ErrnoException);
  }
}

/** A file seoib could not write (a folder in the way, a full disk, no permission): the file and the reason. */
export class OutputError extends Error {
  override name = 'OutputError';

  constructor(
    /** The file it was writing. */
    readonly file: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`${file}: cannot write it (${cause.code ?? cause.message})`);
  }
}
