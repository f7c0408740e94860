/**
 * Memory over long runs: a 100,000-command replay and a fuzz campaign over every upstream row, sampling the heap
 * (after a full GC) as they go. Flat figures mean nothing grows with the trace or with the rows done. Prints
 * numbers; asserts nothing. Run with `npm run bench:memory` (node --expose-gc).
 */

import { traceSteps } from '../src/check/runTrace.js';
import { fuzzRow, rowSeed } from '../src/fuzz/campaign.js';
import { GUESTS } from '../src/model/guests/index.js';
import { VMMS } from '../src/model/vmms.js';
import { makeRow, POLICIES, policyApplies } from '../src/scenario/row.js';
import { longTrace } from './longTrace.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:memory)');
const heapMb = () => {
  gc();
  return (process.memoryUsage().heapUsed / 2 ** 20).toFixed(1);
};

const trace = longTrace(100_000);
const samples: string[] = [`before: ${heapMb()} MB`];
const started = performance.now();
for (const step of traceSteps(trace)) {
  if ((step.index + 1) % 25_000 === 0) samples.push(`${(step.index + 1) / 1000}k: ${heapMb()} MB`);
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `replay of 100,000 commands: ${Math.round(100_000 / seconds)} commands/s (heap samples included)`,
);
console.log(`  heap after a full GC: ${samples.join(', ')}`);

const rows = [...VMMS.keys()].flatMap((vmm) =>
  POLICIES.filter((policy) => policyApplies(vmm, policy)).flatMap((policy) =>
    [...GUESTS.keys()].map((guest) => makeRow('upstream', vmm, policy, guest)),
  ),
);
const quarter = Math.ceil(rows.length / 4);
const fuzzSamples: string[] = [`before: ${heapMb()} MB`];
const fuzzStarted = performance.now();
let commands = 0;
rows.forEach((row, k) => {
  commands += fuzzRow(row, { seed: rowSeed(5, row), runs: 150, maxCommands: 30 }).commands;
  if ((k + 1) % quarter === 0 || k + 1 === rows.length) fuzzSamples.push(`${k + 1} rows: ${heapMb()} MB`);
});
const fuzzSeconds = (performance.now() - fuzzStarted) / 1000;
console.log(
  `fuzz of every upstream row (${rows.length} rows, 150 runs each): ${commands} commands in ${fuzzSeconds.toFixed(1)} s`,
);
console.log(`  heap after a full GC: ${fuzzSamples.join(', ')}`);
console.log(`  resident set at the end: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
