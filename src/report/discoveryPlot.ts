import { escapeXml } from './xml.js';

/** A violation's place in a campaign: after how many generated runs (over all rows so far) it was found. */
export interface Discovery {
  /** Cumulative runs of the campaign when it showed. */
  runs: number;
  /** Whether documented behaviour explains it. */
  expected: boolean;
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = 40;

/** Violations found against campaign runs, as a step plot (inline SVG): expected in grey, unexpected in red. */
export function discoveryPlot(discoveries: readonly Discovery[], totalRuns: number): string {
  const sorted = [...discoveries].sort((a, b) => a.runs - b.runs);
  const maxY = Math.max(sorted.length, 1);
  const x = (runs: number) => PAD + ((WIDTH - 2 * PAD) * runs) / Math.max(totalRuns, 1);
  const y = (count: number) => HEIGHT - PAD - ((HEIGHT - 2 * PAD) * count) / maxY;
  let path = `M${x(0)},${y(0)}`;
  sorted.forEach((d, k) => {
    path += ` H${x(d.runs)} V${y(k + 1)}`;
  });
  path += ` H${x(totalRuns)}`;
  const dots = sorted.map(
    (d, k) =>
      `<circle cx="${x(d.runs)}" cy="${y(k + 1)}" r="3.5" fill="${d.expected ? '#757575' : '#c62828'}"/>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11" role="img">`,
    `<line x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}" stroke="#333"/>`,
    `<line x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${HEIGHT - PAD}" stroke="#333"/>`,
    `<text x="${WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(`generated runs (campaign total ${totalRuns})`)}</text>`,
    `<text x="12" y="${HEIGHT / 2}" transform="rotate(-90 12 ${HEIGHT / 2})" text-anchor="middle">violations found</text>`,
    `<text x="${PAD - 6}" y="${y(maxY) + 4}" text-anchor="end">${maxY}</text>`,
    `<text x="${PAD - 6}" y="${y(0) + 4}" text-anchor="end">0</text>`,
    `<path d="${path}" fill="none" stroke="#1565c0" stroke-width="1.5"/>`,
    ...dots,
    '</svg>',
  ].join('\n');
}
