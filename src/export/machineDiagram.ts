import { toDot } from './dot.js';
import { MACHINES, outlineOf } from './machineOutline.js';
import { toMermaid } from './mermaid.js';
import { toScxml } from './scxml.js';

/** The diagram formats `seoib export machines` writes, with their file extensions. */
export const DIAGRAM_FORMATS = { mermaid: 'mmd', dot: 'dot', scxml: 'scxml' } as const;

export type DiagramFormat = keyof typeof DIAGRAM_FORMATS;

const RENDER: Record<DiagramFormat, typeof toMermaid> = { mermaid: toMermaid, dot: toDot, scxml: toScxml };

/** Every machine in machines/ rendered in `format`, keyed by file name (`lapic.mmd`). */
export function machineDiagrams(format: DiagramFormat): Map<string, string> {
  return new Map(
    Object.entries(MACHINES).map(([name, machine]) => [
      `${name}.${DIAGRAM_FORMATS[format]}`,
      RENDER[format](outlineOf(machine)),
    ]),
  );
}
