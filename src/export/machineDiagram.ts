import { toDot } from './dot.js';
import { MACHINES, outlineOf } from './machineOutline.js';
import { toMermaid } from './mermaid.js';
import { toScxml } from './scxml.js';
import { wiringDot, wiringMermaid } from './wiringDiagram.js';

/** The diagram formats `seoib export machines` writes, with their file extensions. */
export const DIAGRAM_FORMATS = { mermaid: 'mmd', dot: 'dot', scxml: 'scxml' } as const;

export type DiagramFormat = keyof typeof DIAGRAM_FORMATS;

const RENDER: Record<DiagramFormat, typeof toMermaid> = { mermaid: toMermaid, dot: toDot, scxml: toScxml };

/** The wiring between the machines, in the formats that draw a graph (SCXML describes one state machine). */
const WIRING: Partial<Record<DiagramFormat, () => string>> = { mermaid: wiringMermaid, dot: wiringDot };

/**
 * Every machine in machines/ rendered in `format`, keyed by file name (`lapic.mmd`), and the wiring between them
 * (`wiring.mmd`) where the format draws graphs.
 */
export function machineDiagrams(format: DiagramFormat): Map<string, string> {
  const diagrams = new Map(
    Object.entries(MACHINES).map(([name, machine]) => [
      `${name}.${DIAGRAM_FORMATS[format]}`,
      RENDER[format](outlineOf(machine)),
    ]),
  );
  const wiring = WIRING[format];
  if (wiring !== undefined) diagrams.set(`wiring.${DIAGRAM_FORMATS[format]}`, wiring());
  return diagrams;
}
