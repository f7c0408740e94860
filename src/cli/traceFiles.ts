import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readInputFile } from '../io/inputFile.js';
import { parseTrace, type Trace } from '../model/trace.js';
import { UsageError } from './io.js';

/** A parsed trace and the file it came from. */
export interface TraceFile {
  /** Path as given (or found under a given directory). */
  file: string;
  /** The parsed trace. */
  trace: Trace;
}

function expand(path: string): string[] {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new UsageError(`${path}: no such file or directory`);
  }
  if (!stats.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return expand(child);
      return entry.name.endsWith('.json') ? [child] : [];
    });
}

/** Reads and validates every trace named (directories: their *.json files, recursively, sorted). */
export function loadTraces(paths: readonly string[]): TraceFile[] {
  return paths
    .flatMap((path) => {
      const files = expand(path);
      if (files.length === 0) throw new UsageError(`${path}: holds no *.json trace`);
      return files;
    })
    .map((file) => ({ file, trace: parseTrace(readInputFile(file), file) }));
}
