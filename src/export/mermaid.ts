import type { OutlineNode } from './machineOutline.js';
import { transitionLabel } from './transitionLabel.js';

const mermaidId = (id: string) => id.replaceAll('.', '_');

function edges(node: OutlineNode, indent: string): string[] {
  return node.transitions.flatMap((transition) => {
    const label = transitionLabel(transition).replaceAll(':', '#58;');
    const targets = transition.targets.length === 0 ? [node.id] : transition.targets;
    return targets.map((target) => `${indent}${mermaidId(node.id)} --> ${mermaidId(target)} : ${label}`);
  });
}

function block(node: OutlineNode, indent: string): string[] {
  if (node.children.length === 0) return [`${indent}state "${node.key}" as ${mermaidId(node.id)}`];
  const inner = `${indent}  `;
  const lines = [`${indent}state "${node.key}" as ${mermaidId(node.id)} {`];
  if (node.initial !== undefined) lines.push(`${inner}[*] --> ${mermaidId(node.initial)}`);
  node.children.forEach((child, index) => {
    // Regions of a parallel state are separated by `--` in Mermaid.
    if (node.kind === 'parallel' && index > 0) lines.push(`${inner}--`);
    lines.push(...block(child, inner));
  });
  lines.push(...node.children.flatMap((child) => edges(child, inner)));
  lines.push(`${indent}}`);
  return lines;
}

/** Mermaid `stateDiagram-v2` source; a transition without a target is drawn as a loop on its source. */
export function toMermaid(root: OutlineNode): string {
  return [
    'stateDiagram-v2',
    `  [*] --> ${mermaidId(root.id)}`,
    ...block(root, '  '),
    ...edges(root, '  '),
    '',
  ].join('\n');
}
