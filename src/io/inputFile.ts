import { readFileSync, type Stats, statSync } from 'node:fs';
import { TraceInputError } from '../model/trace.js';

/** The largest file seoib reads: a 100,000-command trace is about 10 MB. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

function kind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * Reads a file seoib was given, or one a campaign wrote, as UTF-8. A FIFO, a device, a folder or a file over
 * MAX_INPUT_BYTES is bad input naming the file, refused before any read: reading one could wait or grow forever.
 */
export function readInputFile(file: string): string {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new TraceInputError(
      file,
      '$',
      `cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (!stats.isFile()) throw new TraceInputError(file, '$', `is ${kind(stats)}, not a regular file`);
  if (stats.size > MAX_INPUT_BYTES)
    throw new TraceInputError(
      file,
      '$',
      `is ${stats.size} bytes; seoib reads files up to ${MAX_INPUT_BYTES} bytes`,
    );
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new TraceInputError(
      file,
      '$',
      `cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
