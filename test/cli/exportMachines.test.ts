import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineDiagrams } from '../../src/export/machineDiagram.js';
import { cli } from './run.js';

describe('seoib export machines', () => {
  it('prints the chosen machine in the chosen format', async () => {
    const { code, out } = await cli('export', 'machines', '--format', 'scxml', '--machine', 'ioapicPin');
    expect(code).toBe(0);
    expect(out).toBe(`==> ioapicPin.scxml <==\n${machineDiagrams('scxml').get('ioapicPin.scxml')}`);
  });

  it('writes one file per machine and format into --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seoib-export-'));
    const { code } = await cli('export', 'machines', '--format', 'mermaid,dot', '--out', dir);
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(
      [
        'ioapicPin.dot',
        'ioapicPin.mmd',
        'lapic.dot',
        'lapic.mmd',
        'vm.dot',
        'vm.mmd',
        'wiring.dot',
        'wiring.mmd',
      ].sort(),
    );
    expect(readFileSync(join(dir, 'vm.dot'), 'utf8')).toBe(machineDiagrams('dot').get('vm.dot'));
    expect(readFileSync(join(dir, 'wiring.mmd'), 'utf8')).toBe(machineDiagrams('mermaid').get('wiring.mmd'));
  });

  it('rejects an unknown format with one line and exit 2', async () => {
    const { code, err } = await cli('export', 'machines', '--format', 'plantuml');
    expect(code).toBe(2);
    expect(err).toBe('seoib: --format: unknown format "plantuml" (known: mermaid, dot, scxml, all)\n');
  });
});
