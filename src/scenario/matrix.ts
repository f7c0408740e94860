import type { Violation } from '../invariants/index.js';
import { INVARIANT_IDS } from '../invariants/index.js';
import { type Row, rowName } from './row.js';

/** A row's verdict on one invariant. */
export type Verdict = 'clean' | 'expected' | 'violated';

/** What a campaign or an exhaustive search found on one row. */
export interface RowFindings {
  /** The row. */
  row: Row;
  /** Counterexamples found (only their violations matter here). */
  found: readonly { violation: Pick<Violation, 'invariant' | 'expected'> }[];
}

/** Per invariant: violated if any counterexample is unexpected, expected if all are documented, else clean. */
export function verdicts(result: RowFindings): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  for (const id of INVARIANT_IDS) {
    const found = result.found.filter((f) => f.violation.invariant === id);
    out[id] =
      found.length === 0
        ? 'clean'
        : found.some((f) => f.violation.expected === null)
          ? 'violated'
          : 'expected';
  }
  return out;
}

const MARK: Record<Verdict, string> = { clean: '.', expected: 'q', violated: 'X' };

/** Columns after the verdicts: their header, and the cells of the row at an index (the matrix's states, depth, seconds). */
export interface TrailingColumns {
  /** Header of the columns. */
  header: string;
  /** The cells of one row. */
  cell: (row: number) => string;
}

/** The kernel × VMM × policy × guest table, one column per invariant, then `trailing` if given. */
export function matrixTable(results: readonly RowFindings[], trailing?: TrailingColumns): string {
  const names = results.map((r) => rowName(r.row));
  const width = Math.max(...names.map((n) => n.length), 3);
  const header = `${'row'.padEnd(width)}  ${INVARIANT_IDS.map((_, i) => String(i + 1).padStart(2)).join(' ')}${trailing === undefined ? '' : `  ${trailing.header}`}`;
  const lines = results.map((r, k) => {
    const v = verdicts(r);
    return `${(names[k] as string).padEnd(width)}  ${INVARIANT_IDS.map((id) => MARK[v[id] as Verdict].padStart(2)).join(' ')}${trailing === undefined ? '' : `  ${trailing.cell(k)}`}`;
  });
  const legend = INVARIANT_IDS.map((id, i) => `${String(i + 1).padStart(2)} ${id}`).join('\n');
  return [
    header,
    ...lines,
    '',
    '. clean   q expected (documented quirk or known finding)   X VIOLATED',
    legend,
  ].join('\n');
}
