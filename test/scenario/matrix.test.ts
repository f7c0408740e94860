import { describe, expect, it } from 'vitest';
import { INVARIANT_IDS } from '../../src/invariants/index.js';
import { matrixTable, verdicts } from '../../src/scenario/matrix.js';
import { makeRow } from '../../src/scenario/row.js';

const row = makeRow('upstream', 'ioapic-0x20', 'enable', 'linux');
const found = (invariant: string, expected: string | null) => ({ violation: { invariant, expected } });
const [first, second, third] = INVARIANT_IDS as [string, string, string];

describe('verdicts', () => {
  it('is clean without a counterexample, expected when all are documented, violated when any is not', () => {
    const v = verdicts({
      row,
      found: [found(first, 'quirk'), found(first, 'quirk'), found(second, 'quirk'), found(second, null)],
    });
    expect(v[first]).toBe('expected');
    expect(v[second]).toBe('violated');
    expect(v[third]).toBe('clean');
    expect(Object.keys(v)).toEqual(INVARIANT_IDS);
  });
});

describe('matrixTable', () => {
  it('draws one line per row, one column per invariant, with a legend', () => {
    const other = makeRow('legacy', 'qemu', 'native', 'windows-hyperv');
    const table = matrixTable([
      { row, found: [found(second, null)] },
      { row: other, found: [found(first, 'quirk')] },
    ]).split('\n');
    const width = 'legacy/qemu/native/windows-hyperv'.length;
    const columns = (marks: string[]) => marks.map((m) => m.padStart(2)).join(' ');
    const clean = INVARIANT_IDS.map(() => '.');
    expect(table[0]).toBe(`${'row'.padEnd(width)}  ${columns(INVARIANT_IDS.map((_, i) => String(i + 1)))}`);
    expect(table[1]).toBe(
      `${'upstream/ioapic-0x20/enable/linux'.padEnd(width)}  ${columns(['.', 'X', ...clean.slice(2)])}`,
    );
    expect(table[2]).toBe(`${'legacy/qemu/native/windows-hyperv'}  ${columns(['q', ...clean.slice(1)])}`);
    expect(table[3]).toBe('');
    expect(table[4]).toBe('. clean   q expected (documented quirk or known finding)   X VIOLATED');
    expect(table.slice(5)).toEqual(INVARIANT_IDS.map((id, i) => `${String(i + 1).padStart(2)} ${id}`));
  });

  it('appends trailing columns after the verdicts: their header, then the cells of each row', () => {
    const rows = [
      { row, found: [] },
      { row: makeRow('legacy', 'qemu', 'native', 'windows-hyperv'), found: [] },
    ];
    const plain = matrixTable(rows).split('\n');
    const table = matrixTable(rows, { header: 'states', cell: (k) => String(10 * (k + 1)) }).split('\n');
    expect(table[0]).toBe(`${plain[0]}  states`);
    expect(table[1]).toBe(`${plain[1]}  10`);
    expect(table[2]).toBe(`${plain[2]}  20`);
    expect(table.slice(3)).toEqual(plain.slice(3));
  });
});
