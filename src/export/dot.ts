import type { OutlineNode } from './machineOutline.js';
import { transitionLabel } from './transitionLabel.js';

const quoted = (text: string) => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
const cluster = (id: string) => quoted(`cluster_${id}`);

function declarations(node: OutlineNode, indent: string): string[] {
  if (node.children.length === 0) return [`${indent}${quoted(node.id)} [label=${quoted(node.key)}];`];
  const inner = `${indent}  `;
  const style = node.kind === 'parallel' ? 'dashed' : 'rounded';
  const lines = [
    `${indent}subgraph ${cluster(node.id)} {`,
    `${inner}label=${quoted(node.kind === 'parallel' ? `${node.key} (parallel)` : node.key)}; style=${style};`,
    // Edges attach to a composite state through this point, clipped to the cluster (compound=true).
    `${inner}${quoted(node.id)} [shape=point, width=0.06];`,
  ];
  if (node.initial !== undefined) {
    lines.push(
      `${inner}${quoted(`${node.id}.[*]`)} [shape=circle, style=filled, fillcolor=black, label="", width=0.15];`,
    );
    lines.push(`${inner}${quoted(`${node.id}.[*]`)} -> ${quoted(node.initial)};`);
  }
  lines.push(...node.children.flatMap((child) => declarations(child, inner)), `${indent}}`);
  return lines;
}

function edges(node: OutlineNode, composite: ReadonlySet<string>): string[] {
  const own = node.transitions.flatMap((transition) => {
    const targets = transition.targets.length === 0 ? [node.id] : transition.targets;
    return targets.map((target) => {
      const attributes = [`label=${quoted(transitionLabel(transition))}`];
      if (target !== node.id) {
        if (composite.has(node.id)) attributes.push(`ltail=${cluster(node.id)}`);
        if (composite.has(target)) attributes.push(`lhead=${cluster(target)}`);
      }
      return `  ${quoted(node.id)} -> ${quoted(target)} [${attributes.join(', ')}];`;
    });
  });
  return [...own, ...node.children.flatMap((child) => edges(child, composite))];
}

function compositeIds(node: OutlineNode): string[] {
  return node.children.length === 0 ? [] : [node.id, ...node.children.flatMap(compositeIds)];
}

/** Graphviz DOT: compound and parallel states as clusters; a transition without a target is a loop. */
export function toDot(root: OutlineNode): string {
  return [
    `digraph ${quoted(root.id)} {`,
    '  compound=true; rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=10];',
    ...declarations(root, '  '),
    ...edges(root, new Set(compositeIds(root))),
    '}',
    '',
  ].join('\n');
}
