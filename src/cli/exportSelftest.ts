import { kernelSelftest } from '../export/kernelSelftest.js';
import { standaloneRepro } from '../export/standaloneRepro.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { type CliIo, EXIT } from './io.js';
import { selftestName } from './kvmSelftest.js';
import { loadTraces } from './traceFiles.js';

/** Options of `seoib export selftest`. */
export interface ExportSelftestOptions {
  /** A standalone C program built on the runner instead of a kernel selftest. */
  standalone: boolean;
  /** File to write; standard output when absent. */
  out?: string;
}

/** `seoib export selftest`: one trace as a KVM selftest, or as a standalone C repro on the runner's harness. */
export function exportSelftest(io: CliIo, path: string, options: ExportSelftestOptions): number {
  const [loaded] = loadTraces([path]);
  if (loaded === undefined) return EXIT.badInput;
  const name = selftestName(loaded.file);
  const text = options.standalone
    ? standaloneRepro(loaded.trace, loaded.file)
    : kernelSelftest(loaded.trace, loaded.file, name);
  if (options.out === undefined) io.out(text);
  else {
    writeFileAtomic(options.out, text);
    io.out(`wrote ${options.out}\n`);
  }
  return EXIT.ok;
}
