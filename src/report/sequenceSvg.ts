import { type Arrow, LANES, type Lane } from './sequence.js';
import { escapeXml } from './xml.js';

const LANE_WIDTH = 230;
const MARGIN = 60;
const ROW = 22;
const HEAD = 40;

const laneX = (lane: Lane) => MARGIN + LANE_WIDTH / 2 + LANES.indexOf(lane) * LANE_WIDTH;

function arrowSvg(arrow: Arrow, y: number): string {
  const color = arrow.violating ? '#c62828' : arrow.reaction === null ? '#222' : '#555';
  const label = escapeXml(arrow.reaction === null ? arrow.label : `↳ ${arrow.label}`);
  const weight = arrow.violating ? ' font-weight="bold"' : '';
  if (arrow.from === arrow.to) {
    const x = laneX(arrow.from);
    return [
      `<rect x="${x - 100}" y="${y - 13}" width="200" height="17" fill="#fff8e1" stroke="${color}" stroke-width="0.5"/>`,
      `<text x="${x}" y="${y}" text-anchor="middle" fill="${color}"${weight}>${label}</text>`,
    ].join('');
  }
  const [x1, x2] = [laneX(arrow.from), laneX(arrow.to)];
  return [
    `<line x1="${x1}" y1="${y + 4}" x2="${x2}" y2="${y + 4}" stroke="${color}" marker-end="url(#head)"/>`,
    `<text x="${(x1 + x2) / 2}" y="${y}" text-anchor="middle" fill="${color}"${weight}>${label}</text>`,
  ].join('');
}

/** A sequence diagram as a standalone inline SVG: one row per arrow, the violating step in red. */
export function sequenceSvg(arrows: readonly Arrow[]): string {
  const width = MARGIN * 2 + LANE_WIDTH * LANES.length;
  const height = HEAD + ROW * (arrows.length + 1);
  const lanes = LANES.map((lane) => {
    const x = laneX(lane);
    return [
      `<rect x="${x - 70}" y="6" width="140" height="24" rx="4" fill="#e3f2fd" stroke="#1565c0"/>`,
      `<text x="${x}" y="23" text-anchor="middle" font-weight="bold">${escapeXml(lane)}</text>`,
      `<line x1="${x}" y1="30" x2="${x}" y2="${height}" stroke="#90a4ae" stroke-dasharray="4 3"/>`,
    ].join('');
  });
  let previous = -1;
  const rows = arrows.map((arrow, k) => {
    const y = HEAD + ROW * (k + 1) - 6;
    const index = arrow.index === previous ? '' : `<text x="8" y="${y}" fill="#777">[${arrow.index}]</text>`;
    previous = arrow.index;
    return index + arrowSvg(arrow, y);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    '<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>',
    ...lanes,
    ...rows,
    '</svg>',
  ].join('\n');
}
