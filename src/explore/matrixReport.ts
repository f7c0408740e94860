import { INVARIANT_IDS } from '../invariants/index.js';
import { type Verdict, verdicts } from '../scenario/matrix.js';
import { rowName } from '../scenario/row.js';
import type { ExploreResult } from './explore.js';

/** How far a row's proof reaches: the fixpoint, or the depth (and whether maxStates cut it). */
export function boundOf(result: ExploreResult): string {
  if (result.exhausted) return `fixpoint (depth ${result.depth})`;
  return result.truncated ? `depth ${result.depth}, cut by --max-states` : `depth ${result.depth}`;
}

const WORD = { clean: 'clean', expected: 'expected', violated: '**VIOLATED**' } as const;

/** The proven matrix as Markdown: one row per profile combination, one column per invariant. */
export function matrixMarkdown(results: readonly ExploreResult[], replay: string): string {
  // Stryker disable next-line OptionalChaining: the CLI explores one row at least.
  const config = results[0]?.row.config;
  const lines = [
    '# seoib matrix',
    '',
    // Stryker disable next-line OptionalChaining: the CLI explores one row at least.
    `Exhaustive search of the bounded model (${config?.vcpus} vCPU, ${config?.pins} pin(s), vectors 64 and 80), every`,
    'invariant checked on every transition. *expected*: violated, as the patch documents (a quirk or a known finding);',
    `**VIOLATED**: not explained. Repeat with \`${replay}\`.`,
    '',
    `| kernel | VMM | policy | guest | states | bound | ${INVARIANT_IDS.join(' | ')} |`,
    `|${' --- |'.repeat(6 + INVARIANT_IDS.length)}`,
  ];
  for (const result of results) {
    const v = verdicts(result);
    const { kernel, vmm, policy, guest } = result.row;
    const cells = INVARIANT_IDS.map((id) => WORD[v[id] as Verdict]);
    lines.push(
      `| ${kernel} | ${vmm} | ${policy} | ${guest} | ${result.states} | ${boundOf(result)} | ${cells.join(' | ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** One row of the matrix as JSON, with the files its traces were written to. */
export function rowJson(result: ExploreResult, files: ReadonlyMap<object, string>) {
  return {
    row: rowName(result.row),
    states: result.states,
    transitions: result.transitions,
    depth: result.depth,
    exhausted: result.exhausted,
    truncated: result.truncated,
    bytesPerState: Math.round(result.bytesPerState),
    symmetry: result.symmetry,
    verdicts: verdicts(result),
    found: result.found.map((f) => ({
      invariant: f.violation.invariant,
      expected: f.violation.expected,
      detail: f.violation.detail,
      commands: f.commands.length,
      file: files.get(f),
    })),
    deadlocks: result.deadlocks.map((d) => ({
      vector: d.vector,
      states: d.states,
      commands: d.commands.length,
      file: files.get(d),
    })),
  };
}
