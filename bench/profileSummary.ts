/**
 * Where a V8 CPU profile (`node --cpu-prof`) spends its time: self time per function, per source file and per
 * source line (with the line's text), the largest first. Usage: node dist/bench/profileSummary.js <file.cpuprofile>
 * [rows]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  /** Samples that stopped in this function, by line (1-based). */
  positionTicks?: { line: number; ticks: number }[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsText] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: profileSummary <file.cpuprofile> [rows]');
const rows = Number(rowsText ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
for (const [k, id] of profile.samples.entries())
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function shortUrl(url: string): string {
  const at = url.search(/\/(node_modules|dist|src|machines)\//);
  return at < 0 ? url || '(native)' : url.slice(at + 1);
}

function table(title: string, key: (frame: ProfileNode['callFrame']) => string): void {
  const sums = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    sums.set(key(frame), (sums.get(key(frame)) ?? 0) + us);
  }
  console.log(`\n${title} (self time, of ${(total / 1e6).toFixed(1)} s sampled)`);
  for (const [name, us] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, rows))
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
}

table('by file', (frame) => shortUrl(frame.url));
table(
  'by function',
  (frame) => `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`,
);

/** The text of a line of a profiled file, if it can be read. */
function lineText(url: string, line: number): string {
  try {
    const text = readFileSync(fileURLToPath(url), 'utf8').split('\n')[line - 1] ?? '';
    return text.trim().slice(0, 90);
  } catch {
    return '';
  }
}

// Self time by function hides which expression of a large function costs: an object spread inlined into its
// caller showed as that caller's own time, and only its line's ticks named it.
const lineTicks = new Map<string, { url: string; line: number; ticks: number }>();
for (const node of profile.nodes)
  for (const { line, ticks } of node.positionTicks ?? []) {
    const key = `${node.callFrame.url}:${line}`;
    const known = lineTicks.get(key) ?? { url: node.callFrame.url, line, ticks: 0 };
    known.ticks += ticks;
    lineTicks.set(key, known);
  }
console.log(`\nby source line (samples, of ${profile.samples.length})`);
for (const { url, line, ticks } of [...lineTicks.values()].sort((a, b) => b.ticks - a.ticks).slice(0, rows))
  console.log(
    `${((100 * ticks) / profile.samples.length).toFixed(1).padStart(5)}%  ${shortUrl(url)}:${line}  ${lineText(url, line)}`,
  );
