import { INVARIANT_IDS } from '../invariants/index.js';
import type { ReportData } from './reportData.js';
import { sequenceMermaid } from './sequenceMermaid.js';

const MARK = { clean: '·', expected: 'q', violated: '**X**' } as const;

/** The report as Markdown: the sequence diagrams as Mermaid blocks, which GitHub and GitLab render. */
export function markdownReport(data: ReportData): string {
  const { campaign, complete, rows } = data.results;
  const lines = [
    `# seoib fuzz campaign, seed ${campaign.seed}`,
    '',
    `${rows.length} of ${campaign.rows.length} rows${complete ? '' : ' (incomplete)'}; ${data.totalRuns} runs; ${data.counterexamples.length} counterexample(s), ${data.counterexamples.filter((c) => c.expected === null).length} unexpected.`,
    '',
    '## Matrix',
    '',
    `| row | ${INVARIANT_IDS.map((_, k) => k + 1).join(' | ')} |`,
    `|---|${INVARIANT_IDS.map(() => '---').join('|')}|`,
    ...data.matrix.map(
      (row) => `| ${row.row} | ${INVARIANT_IDS.map((id) => MARK[row.verdicts[id] ?? 'clean']).join(' | ')} |`,
    ),
    '',
    INVARIANT_IDS.map((id, k) => `${k + 1} \`${id}\``).join(' · '),
    '',
    '## Coverage',
    '',
    `States ${data.coverage.states.reached}/${data.coverage.states.total}, transitions ${data.coverage.transitions.reached}/${data.coverage.transitions.total}, wiring ${data.coverage.wiring.reached}/${data.coverage.wiring.total}.`,
    '',
    '## Counterexamples',
    '',
  ];
  for (const c of data.counterexamples) {
    lines.push(
      `### \`${c.invariant}\` on ${c.row}`,
      '',
      `${c.detail} (${c.expected === null ? '**UNEXPECTED**' : `expected: ${c.expected}`}). Replay: \`seoib replay ${c.file}\``,
      '',
      '```mermaid',
      sequenceMermaid(c.arrows).trimEnd(),
      '```',
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
