import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrace } from '../../src/check/runTrace.js';
import {
  counterexampleFile,
  counterexampleText,
  counterexampleTrace,
  recordedTrace,
  rowFile,
  vitestSnippet,
} from '../../src/fuzz/counterexample.js';
import { runCommands } from '../../src/fuzz/interpret.js';
import type { Command } from '../../src/model/command.js';
import { parseTrace } from '../../src/model/trace.js';
import { TRACE_FORMAT } from '../../src/model/traceSchema.js';
import type { Found } from '../../src/scenario/finding.js';
import { setupCommands } from '../../src/scenario/policy.js';
import { makeRow } from '../../src/scenario/row.js';

/** ENABLE with an I/O APIC without an EOI register: the guest's I/O APIC EOI cannot clear Remote IRR. */
const row = makeRow('upstream', 'ioapic-0x11', 'enable', 'adversarial', { vcpus: 1, pins: 2 });
const stuckCommands = (): Command[] => [
  ...setupCommands(row),
  { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x11ffn },
  { op: 'guest.ioapicWriteRte', pin: 1, vector: 64, trigger: 'level', masked: false, dest: 0 },
  { op: 'device.setLine', pin: 1, level: 1 },
  { op: 'guest.acceptInterrupt', vcpu: 0 },
  { op: 'guest.eoi', vcpu: 0 },
  { op: 'device.setLine', pin: 1, level: 0 },
  { op: 'guest.ioapicEoi', vector: 64 },
];
// Built and found in each test, not at collection: work done while tests are collected is covered by no test (Stryker).
function stuckPin(): Found {
  const commands = stuckCommands();
  const violation = runCommands(row, commands).violations.find((v) => v.invariant === 'no-stuck-pin');
  expect(violation).toBeDefined();
  return { row, violation: violation as NonNullable<typeof violation>, commands };
}

describe('recordedTrace and counterexampleTrace', () => {
  it("write the row's profile and config and record every observation as expect, so a replay matches", () => {
    const found = stuckPin();
    const { commands } = found;
    const trace = counterexampleTrace(found);
    expect(trace).toEqual(recordedTrace(row, commands));
    expect(trace.format).toBe(TRACE_FORMAT);
    expect(trace.profile).toEqual({ kernel: 'upstream', vmm: 'ioapic-0x11', guest: 'adversarial' });
    expect(trace.config).toEqual(row.config);
    expect(trace.commands.map(({ expect: _, ...command }) => command)).toEqual(commands);
    expect(trace.commands.every((c) => c.expect !== undefined)).toBe(true);
    const replay = runTrace(trace);
    expect(replay.mismatches).toEqual([]);
    expect(replay.violations.map((v) => v.invariant)).toContain('no-stuck-pin');
  });
});

describe('counterexampleText', () => {
  it('is the trace as seoib-trace/1 text that parses back to the same trace', () => {
    const found = stuckPin();
    expect(parseTrace(counterexampleText(found), 'counterexample.json')).toEqual(counterexampleTrace(found));
  });
});

describe('rowFile and counterexampleFile', () => {
  it('name the file <what>--<kernel>--<vmm>--<policy>--<guest>.json in the folder', () => {
    expect(rowFile('out', 'coverage', row)).toBe(
      join('out', 'coverage--upstream--ioapic-0x11--enable--adversarial.json'),
    );
    expect(counterexampleFile('out', stuckPin())).toBe(
      join('out', 'no-stuck-pin--upstream--ioapic-0x11--enable--adversarial.json'),
    );
  });
});

describe('vitestSnippet', () => {
  it('is a vitest test that replays the file and asserts the invariant, named after invariant and row', () => {
    expect(vitestSnippet('out/a "b".json', 'no-stuck-pin', row).split('\n')).toEqual([
      "import { readFileSync } from 'node:fs';",
      "import { parseTrace, runTrace } from 'seoib';",
      "import { expect, it } from 'vitest';",
      '',
      "it('no-stuck-pin on upstream/ioapic-0x11/enable/adversarial', () => {",
      '  const file = "out/a \\"b\\".json";',
      "  const run = runTrace(parseTrace(readFileSync(file, 'utf8'), file));",
      '  expect(run.mismatches).toEqual([]);',
      '  expect(run.violations.map((v) => v.invariant)).toContain("no-stuck-pin");',
      '});',
    ]);
  });
});
