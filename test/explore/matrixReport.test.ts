import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { boundOf, matrixMarkdown, rowJson } from '../../src/explore/matrixReport.js';
import { INVARIANT_IDS } from '../../src/invariants/index.js';
import { makeRow } from '../../src/scenario/row.js';

const one = { vcpus: 1, pins: 1 };
// A storm the patch documents (the quirk), and a stuck pin it does not excuse on this kernel.
const stormRow = makeRow('upstream', 'ioapic-0x20', 'none', 'credential-guard', one);
const stuckRow = makeRow('upstream', 'ioapic-0x11', 'enable', 'windows-hyperv', one);
// Explored inside each test: Stryker attributes what runs outside a test to no test, and would run every test then.
const proven = () => explore(stormRow, { depth: 100, maxStates: 1_000_000, symmetry: true });
const shallow = () => explore(stuckRow, { depth: 2, maxStates: 1_000_000, symmetry: true });
const cut = () => explore(stormRow, { depth: 100, maxStates: 50, symmetry: true });

describe('the matrix report', () => {
  it('says how far each proof reaches', () => {
    const [full, cutShort] = [proven(), cut()];
    expect(boundOf(full)).toBe(`fixpoint (depth ${full.depth})`);
    expect(boundOf(shallow())).toBe('depth 2');
    expect(boundOf(cutShort)).toBe(`depth ${cutShort.depth}, cut by --max-states`);
  });

  it('writes one Markdown row per result with a verdict per invariant, and the replay command', () => {
    const full = proven();
    const text = matrixMarkdown([full, shallow()], 'seoib matrix --depth 2');
    const lines = text.split('\n');
    expect(text.endsWith('|\n')).toBe(true);
    expect(lines.slice(0, 6)).toEqual([
      '# seoib matrix',
      '',
      'Exhaustive search of the bounded model (1 vCPU, 1 pin(s), vectors 64 and 80), every',
      'invariant checked on every transition. *expected*: violated, as the patch documents (a quirk or a known finding);',
      '**VIOLATED**: not explained. Repeat with `seoib matrix --depth 2`.',
      '',
    ]);
    const header = lines.find((l) => l.startsWith('| kernel |')) as string;
    expect(header).toBe(`| kernel | VMM | policy | guest | states | bound | ${INVARIANT_IDS.join(' | ')} |`);
    expect(lines[lines.indexOf(header) + 1]).toBe(`|${' --- |'.repeat(6 + INVARIANT_IDS.length)}`);
    const storm = lines.find((l) =>
      l.startsWith('| upstream | ioapic-0x20 | none | credential-guard |'),
    ) as string;
    const cells = storm.split(' | ');
    expect(cells[4]).toBe(String(full.states));
    expect(cells[5]).toBe(boundOf(full));
    expect(cells[6 + INVARIANT_IDS.indexOf('no-storm')]).toBe('expected');
    expect(cells[6 + INVARIANT_IDS.indexOf('flags-exclusive')]).toBe('clean');
    expect(lines.some((l) => l.startsWith('| upstream | ioapic-0x11 | enable | windows-hyperv |'))).toBe(
      true,
    );
  });

  it('marks an unexplained violation', () => {
    const full = proven();
    const found = [{ ...full.found[0], violation: { ...full.found[0]?.violation, expected: null } }];
    const text = matrixMarkdown([{ ...full, found } as typeof full], 'r');
    expect(text).toContain('**VIOLATED**');
  });

  it('gives each row as JSON with the files its traces went to', () => {
    const full = proven();
    const files = new Map<object, string>(full.found.map((f, i) => [f, `trace-${i}.json`]));
    const json = rowJson(full, files);
    expect(json).toMatchObject({
      row: 'upstream/ioapic-0x20/none/credential-guard',
      states: full.states,
      transitions: full.transitions,
      depth: full.depth,
      exhausted: true,
      truncated: false,
      bytesPerState: Math.round(full.bytesPerState),
      symmetry: false,
    });
    expect(json.verdicts['no-storm']).toBe('expected');
    expect(json.found[0]).toEqual({
      invariant: full.found[0]?.violation.invariant,
      expected: full.found[0]?.violation.expected,
      detail: full.found[0]?.violation.detail,
      commands: full.found[0]?.commands.length,
      file: 'trace-0.json',
    });
    const stuck = explore(stuckRow, { depth: 100, maxStates: 1_000_000, symmetry: true });
    const deadlockFiles = new Map<object, string>(
      stuck.deadlocks.map((d) => [d, `deadlock-${d.vector}.json`]),
    );
    expect(rowJson(stuck, deadlockFiles).deadlocks).toEqual(
      stuck.deadlocks.map((d) => ({
        vector: d.vector,
        states: d.states,
        commands: d.commands.length,
        file: `deadlock-${d.vector}.json`,
      })),
    );
  });
});
