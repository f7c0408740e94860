import { WIRES } from '../../machines/wiring.js';

/** One drawn wire (labels hold no double quote; the wiring test says so): from the emitting machine to each machine it reaches, labelled with the event and what it does. */
function arrows(): { from: string; to: string; label: string }[] {
  return [...WIRES].flatMap(([id, wire]) =>
    wire.to.map((to) => ({ from: wire.from, to, label: `${id.slice(wire.from.length + 1)}: ${wire.label}` })),
  );
}

/** The wiring between the machines (machines/wiring.ts) as a Mermaid flowchart. */
export function wiringMermaid(): string {
  const lines = arrows().map(({ from, to, label }) => `  ${from} -->|"${label}"| ${to}`);
  return ['flowchart LR', ...lines, ''].join('\n');
}

/** The wiring between the machines (machines/wiring.ts) as a Graphviz digraph. */
export function wiringDot(): string {
  const lines = arrows().map(({ from, to, label }) => `  "${from}" -> "${to}" [label="${label}"];`);
  return ['digraph wiring {', '  rankdir=LR;', ...lines, '}', ''].join('\n');
}
