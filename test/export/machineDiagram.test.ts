import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toDot } from '../../src/export/dot.js';
import { DIAGRAM_FORMATS, type DiagramFormat, machineDiagrams } from '../../src/export/machineDiagram.js';
import { MACHINES, nodesOf, type OutlineNode, outlineOf } from '../../src/export/machineOutline.js';
import { toMermaid } from '../../src/export/mermaid.js';
import { toScxml } from '../../src/export/scxml.js';

const committed = join(import.meta.dirname, '..', '..', 'docs', 'machines');
const regenerate =
  'regenerate with: npm run build && node dist/src/cli/main.js export machines --out docs/machines';

describe('docs/machines', () => {
  it.each(Object.keys(DIAGRAM_FORMATS))('%s diagrams are up to date with machines/', (format) => {
    for (const [file, text] of machineDiagrams(format as DiagramFormat)) {
      expect(
        readFileSync(join(committed, file), 'utf8'),
        `docs/machines/${file} is stale; ${regenerate}`,
      ).toBe(text);
    }
  });

  it('holds nothing but the generated files', () => {
    const generated = Object.keys(DIAGRAM_FORMATS).flatMap((format) => [
      ...machineDiagrams(format as DiagramFormat).keys(),
    ]);
    expect(readdirSync(committed).sort()).toEqual(generated.sort());
  });
});

describe('every format, on the real machines', () => {
  const machines = Object.values(MACHINES).map(outlineOf);
  const edges = (root: OutlineNode) =>
    nodesOf(root)
      .flatMap((node) => node.transitions)
      .reduce((sum, transition) => sum + Math.max(1, transition.targets.length), 0);

  it.each(machines.map((root) => [root.id, root] as const))(
    '%s: every state declared and every transition drawn',
    (_, root) => {
      const mermaid = toMermaid(root);
      const dot = toDot(root);
      const scxml = toScxml(root);
      for (const node of nodesOf(root)) {
        expect(mermaid).toContain(` as ${node.id.replaceAll('.', '_')}`);
        expect(dot).toContain(`"${node.id}" [`);
        expect(scxml).toMatch(
          new RegExp(`<(state|parallel|final) id="${node.id.replaceAll('.', '\\.')}"[ />]`),
        );
      }
      expect(mermaid.match(/ --> [^\n]* : /g)?.length).toBe(edges(root));
      expect(dot.match(/ -> [^\n]*label=/g)?.length).toBe(edges(root));
      expect(scxml.match(/<transition /g)?.length).toBe(
        nodesOf(root).reduce((sum, node) => sum + node.transitions.length, 0),
      );
    },
  );
});
