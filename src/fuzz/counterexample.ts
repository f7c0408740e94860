import { join } from 'node:path';
import { recordTrace, runTrace } from '../check/runTrace.js';
import type { Command } from '../model/command.js';
import type { Trace } from '../model/trace.js';
import { serializeTrace } from '../model/traceFormat.js';
import { TRACE_FORMAT } from '../model/traceSchema.js';
import type { Found } from '../scenario/finding.js';
import { type Row, rowName } from '../scenario/row.js';

/** A row's trace body as a seoib-trace/1 trace with every observation recorded as `expect`. */
export function recordedTrace(row: Row, commands: readonly Command[]): Trace {
  const trace: Trace = {
    format: TRACE_FORMAT,
    profile: { kernel: row.kernel, vmm: row.vmm, guest: row.guest },
    config: row.config,
    commands: [...commands],
  };
  return recordTrace(trace, runTrace(trace).observations);
}

/** The counterexample as a seoib-trace/1 trace with every observation recorded as `expect`. */
export function counterexampleTrace(found: Found): Trace {
  return recordedTrace(found.row, found.commands);
}

/** File name: invariant, then the row, so one row's counterexamples sort together. */
export function counterexampleFile(dir: string, found: Found): string {
  return rowFile(dir, found.violation.invariant, found.row);
}

/** `<what>--<kernel>--<vmm>--<policy>--<guest>.json` in `dir`. */
export function rowFile(dir: string, what: string, row: Row): string {
  return join(dir, `${what}--${row.kernel}--${row.vmm}--${row.policy}--${row.guest}.json`);
}

export function counterexampleText(found: Found): string {
  return serializeTrace(counterexampleTrace(found));
}

/** A vitest test that replays the counterexample file and asserts the violation is still there. */
export function vitestSnippet(file: string, invariant: string, row: Row): string {
  return [
    "import { readFileSync } from 'node:fs';",
    "import { parseTrace, runTrace } from 'seoib';",
    "import { expect, it } from 'vitest';",
    '',
    `it('${invariant} on ${rowName(row)}', () => {`,
    `  const file = ${JSON.stringify(file)};`,
    "  const run = runTrace(parseTrace(readFileSync(file, 'utf8'), file));",
    '  expect(run.mismatches).toEqual([]);',
    `  expect(run.violations.map((v) => v.invariant)).toContain(${JSON.stringify(invariant)});`,
    '});',
  ].join('\n');
}
