import { join } from 'node:path';
import { DIAGRAM_FORMATS, type DiagramFormat, machineDiagrams } from '../export/machineDiagram.js';
import { MACHINES } from '../export/machineOutline.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { type CliIo, EXIT } from './io.js';
import { list, writableFolder } from './optionValues.js';

/** Options of `seoib export machines`, as commander hands them over. */
export interface RawExportMachinesOptions {
  /** Formats, comma-separated, or all. */
  format: string;
  /** Machines by file name, comma-separated, or all. */
  machine: string;
  /** Folder to write into; standard output when absent. */
  out?: string;
}

/** Renders the XState machines as diagrams: files in `--out`, or `==> name <==` sections on stdout. */
export function exportMachines(io: CliIo, raw: RawExportMachinesOptions): number {
  const formats = list('format', raw.format, Object.keys(DIAGRAM_FORMATS), []) as DiagramFormat[];
  const machines = list('machine', raw.machine, [...Object.keys(MACHINES), 'wiring'], []);
  if (raw.out !== undefined) writableFolder(raw.out);
  for (const format of formats) {
    for (const [file, text] of machineDiagrams(format)) {
      if (!machines.includes(file.slice(0, file.lastIndexOf('.')))) continue;
      if (raw.out === undefined) io.out(`==> ${file} <==\n${text}`);
      else {
        writeFileAtomic(join(raw.out, file), text);
        io.out(`wrote ${join(raw.out, file)}\n`);
      }
    }
  }
  return EXIT.ok;
}
