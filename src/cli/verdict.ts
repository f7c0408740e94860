import { type FailOn, fails } from '../invariants/failOn.js';
import { EXIT } from './io.js';

/** What a run found, as its verdict counts it. */
export interface Findings {
  /** Violations found: the invariant and its documented reason, or null. */
  violations: readonly { invariant: string; expected: string | null }[];
  /** Vectors left pending forever (explorer deadlocks): a stranded interrupt, which fails under `any`. */
  deadlocks?: number;
}

/** A run's verdict: its exit status, the closing line that states it and its mode, and the same as JSON. */
export interface Verdict {
  /** 0 passed, 1 failed. */
  code: number;
  /** The last line of the run's output. */
  line: string;
  /** For --json output. */
  json: { failOn: FailOn; passed: boolean; violations: number; documented: number; deadlocks: number };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The verdict on `findings` under `--fail-on failOn`. */
export function verdict(findings: Findings, failOn: FailOn): Verdict {
  const violations = findings.violations.length;
  const documented = findings.violations.filter((v) => v.expected !== null).length;
  const deadlocks = findings.deadlocks ?? 0;
  const failing = findings.violations.filter((v) => fails(v, failOn));
  const passed = failing.length === 0 && (failOn === 'unexpected' || deadlocks === 0);
  const ids = [...new Set(findings.violations.map((v) => v.invariant))].join(', ');
  const found = [
    ...(violations === 0 ? [] : [`${plural(violations, 'violation')} (${ids}), ${documented} documented`]),
    ...(deadlocks === 0 ? [] : [plural(deadlocks, 'deadlock')]),
  ];
  const what = found.length === 0 ? 'no violation, no deadlock' : found.join('; ');
  const why = passed
    ? [
        ...(violations > 0 ? ['each violation is documented behaviour'] : []),
        ...(deadlocks > 0 ? ['deadlocks fail only under --fail-on any'] : []),
      ]
        .map((reason) => ` (${reason})`)
        .join('')
    : failOn === 'any' && (documented > 0 || deadlocks > 0)
      ? ' (documented behaviour fails too; --fail-on unexpected fails only on undocumented violations)'
      : '';
  return {
    code: passed ? EXIT.ok : EXIT.failed,
    line: `verdict: ${passed ? 'PASS' : 'FAIL'} (--fail-on ${failOn}): ${what}${why}`,
    json: { failOn, passed, violations, documented, deadlocks },
  };
}
