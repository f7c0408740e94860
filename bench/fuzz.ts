/**
 * Fuzzing throughput and time to the two failures. Prints numbers; asserts nothing.
 *   bare step():   the model alone, replaying the command lists a campaign generated
 *   fuzz:          the same row fuzzed with every invariant checked after every command
 *   first storm / first stuck pin: wall time from an empty corpus, median of 5 seeds
 */

import { traceSteps } from '../src/check/runTrace.js';
import { fuzzRow, rowSeed } from '../src/fuzz/campaign.js';
import { type Choice, interpret } from '../src/fuzz/interpret.js';
import type { Command } from '../src/model/command.js';
import { initialState } from '../src/model/state.js';
import { step } from '../src/model/step.js';
import { makeRow, promiseRows, type Row } from '../src/scenario/row.js';
import { longTrace } from './longTrace.js';

const row = makeRow;

function seededChoices(seed: number, runs: number, length: number): Choice[][] {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return Array.from({ length: runs }, () =>
    Array.from({ length: 1 + (next() % length) }, () => ({ aware: (next() & 1) === 1, pick: next() % 1024 })),
  );
}

function bareStepRate(subject: Row, traces: readonly Command[][]): number {
  const started = performance.now();
  let steps = 0;
  for (const commands of traces) {
    let state = initialState(
      { kernel: subject.kernel, vmm: subject.vmm, guest: subject.guest },
      subject.config,
    );
    for (const command of commands) {
      state = step(state, command).state;
      steps++;
    }
  }
  return steps / ((performance.now() - started) / 1000);
}

function fuzzRate(subject: Row, runs: number): number {
  const started = performance.now();
  const result = fuzzRow(subject, { seed: 1, runs, maxCommands: 30 });
  return result.commands / ((performance.now() - started) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function timeToFirst(subject: Row, invariant: string): number[] {
  return [1, 2, 3, 4, 5].map((seed) => {
    const started = performance.now();
    const result = fuzzRow(subject, {
      seed: rowSeed(seed, subject),
      runs: 1_000_000,
      maxCommands: 30,
      until: invariant,
    });
    if (!result.found.some((f) => f.violation.invariant === invariant))
      throw new Error(`${invariant} not found`);
    return (performance.now() - started) / 1000;
  });
}

const subject = row('upstream', 'ioapic-0x20', 'adversarial', 'adversarial');
const traces = seededChoices(7, 3000, 30).map((choices) => interpret(subject, choices).commands);
bareStepRate(subject, traces.slice(0, 300));
fuzzRate(subject, 300);
const bare = bareStepRate(subject, traces);
const fuzzed = fuzzRate(subject, 3000);
console.log(
  `row ${subject.kernel}/${subject.vmm}/${subject.policy}/${subject.guest}, node ${process.version}`,
);
console.log(`bare step():              ${Math.round(bare)} steps/s`);
console.log(`fuzz, all invariants on:  ${Math.round(fuzzed)} commands/s`);
console.log(`ratio fuzz / bare:        ${(fuzzed / bare).toFixed(2)}`);
const storm = timeToFirst(row('upstream', 'ioapic-0x20', 'none', 'credential-guard'), 'no-storm');
const stuck = timeToFirst(row('upstream', 'ioapic-0x11', 'enable', 'windows-hyperv'), 'no-stuck-pin');
const list = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(' ');
console.log(`first storm (5 seeds):    median ${median(storm).toFixed(3)} s  [${list(storm)}]`);
console.log(`first stuck pin (5 seeds): median ${median(stuck).toFixed(3)} s  [${list(stuck)}]`);

// The patch's promise over a million commands: ENABLE + 0x20 and DISABLE + either I/O APIC, every guest.
const promised = promiseRows(['linux', 'windows-hyperv', 'credential-guard', 'adversarial']);
let promisedCommands = 0;
let promisedViolations = 0;
for (const r of promised) {
  const result = fuzzRow(r, { seed: rowSeed(99, r), runs: 4600, maxCommands: 30 });
  promisedCommands += result.commands;
  promisedViolations += result.found.length;
}
console.log(
  `promise rows (${promised.length}):        ${promisedCommands} commands, ${promisedViolations} violations`,
);

// Replay: one long trace through every check replay makes (expectations, invariants), one command at a time.
const long = longTrace(100_000);
const replayStarted = performance.now();
let replayed = 0;
for (const _ of traceSteps(long)) replayed++;
const replaySeconds = (performance.now() - replayStarted) / 1000;
console.log(`replay (100,000 commands):  ${Math.round(replayed / replaySeconds)} commands/s`);
