import { INVARIANT_IDS } from '../invariants/index.js';
import { discoveryPlot } from './discoveryPlot.js';
import type { ReportData } from './reportData.js';
import { sequenceSvg } from './sequenceSvg.js';
import { escapeXml } from './xml.js';

const MARK = { clean: '·', expected: 'q', violated: 'X' } as const;

const STYLE = `
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1100px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; }
td.clean { background: #e8f5e9; text-align: center; }
td.expected { background: #eeeeee; text-align: center; }
td.violated { background: #ffcdd2; text-align: center; font-weight: bold; }
.unexpected { color: #c62828; font-weight: bold; }
figure { margin: 1em 0 2em; overflow-x: auto; }
code { background: #f5f5f5; padding: 0 3px; }
`;

function matrixTable(data: ReportData): string {
  const header = INVARIANT_IDS.map((id, k) => `<th title="${escapeXml(id)}">${k + 1}</th>`).join('');
  const rows = data.matrix.map(
    (row) =>
      `<tr><td>${escapeXml(row.row)}</td>${INVARIANT_IDS.map((id) => {
        const verdict = row.verdicts[id] ?? 'clean';
        return `<td class="${verdict}">${MARK[verdict]}</td>`;
      }).join('')}</tr>`,
  );
  const legend = INVARIANT_IDS.map((id, k) => `<li>${k + 1} <code>${escapeXml(id)}</code></li>`).join('');
  return `<table><tr><th>row</th>${header}</tr>\n${rows.join('\n')}\n</table>
<p>· clean &nbsp; q expected (documented behaviour) &nbsp; <span class="unexpected">X violated</span></p><ol style="list-style:none;columns:2">${legend}</ol>`;
}

function coverageSection(data: ReportData): string {
  const { states, transitions, wiring } = data.coverage;
  const missing = [...states.missing, ...transitions.missing, ...wiring.missing].map(
    (id) => `<li><code>${escapeXml(id)}</code></li>`,
  );
  return `<p>States ${states.reached}/${states.total}, transitions ${transitions.reached}/${transitions.total} of the XState machines, wiring ${wiring.reached}/${wiring.total} between them.</p>
${missing.length === 0 ? '' : `<details><summary>never reached (${missing.length})</summary><ul>${missing.join('')}</ul></details>`}`;
}

function counterexampleSection(data: ReportData): string {
  if (data.counterexamples.length === 0) return '<p>No counterexample.</p>';
  return data.counterexamples
    .map((c) => {
      const verdict =
        c.expected === null
          ? '<span class="unexpected">UNEXPECTED</span>'
          : `expected: ${escapeXml(c.expected)}`;
      return `<h3><code>${escapeXml(c.invariant)}</code> on ${escapeXml(c.row)}</h3>
<p>${escapeXml(c.detail)} (${verdict}). Trace: <code>${escapeXml(c.file)}</code>, replay with <code>seoib replay ${escapeXml(c.file)}</code>.</p>
<figure>${sequenceSvg(c.arrows)}</figure>`;
    })
    .join('\n');
}

/** A self-contained HTML report (inline CSS and SVG, no script, no network). */
export function htmlReport(data: ReportData): string {
  const { campaign, complete, rows } = data.results;
  const unexpected = data.counterexamples.filter((c) => c.expected === null).length;
  const budget =
    'runs' in campaign.budget ? `${campaign.budget.runs} runs per row` : `--time ${campaign.budget.time}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>seoib campaign seed ${campaign.seed}</title><style>${STYLE}</style></head>
<body>
<h1>seoib fuzz campaign, seed ${campaign.seed}</h1>
<p>${rows.length} of ${campaign.rows.length} rows${complete ? '' : ' (incomplete)'}, ${budget}, ${campaign.config.vcpus} vCPU(s), ${campaign.config.pins} pins.
${data.counterexamples.length} counterexample(s), <span class="${unexpected > 0 ? 'unexpected' : ''}">${unexpected} unexpected</span>.</p>
<h2>Matrix</h2>
${matrixTable(data)}
<h2>Violations over the campaign</h2>
<figure>${discoveryPlot(data.discoveries, data.totalRuns)}</figure>
<h2>Coverage</h2>
${coverageSection(data)}
<h2>Counterexamples</h2>
${counterexampleSection(data)}
</body></html>
`;
}
