import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cli } from './run.js';

const example = join(import.meta.dirname, '..', 'corpus', 'upstream', 'design-example.json');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seoib-replay-'));
});

function copyWith(name: string, edit: (text: string) => string): string {
  const file = join(dir, name);
  writeFileSync(file, edit(readFileSync(example, 'utf8')));
  return file;
}

describe('seoib replay', () => {
  it('prints per-command observations and exits 0 when every expectation holds', async () => {
    const { code, out, err } = await cli('replay', example);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('[10] {"op":"guest.eoi","vcpu":0} -> {"exits":[],"deliveries":[]}');
    expect(out).toContain('ok: 13 commands, 0 mismatches');
  });

  it('reports each mismatch with its index and exits 1', async () => {
    const file = copyWith('wrong.json', (t) =>
      t.replace('"args": [12], "expect": { "ret": -22 }', '"args": [12], "expect": { "ret": 0 }'),
    );
    const { code, out } = await cli('replay', file);
    expect(code).toBe(1);
    expect(out).toContain('MISMATCH [1] ret: expected 0, observed -22');
  });

  it('--json prints one object in the DESIGN §4 shape', async () => {
    const { code, out } = await cli('replay', '--json', example);
    expect(code).toBe(0);
    const parsed = JSON.parse(out);
    expect(Object.keys(parsed)).toEqual(['traces']);
    expect(parsed.traces[0]).toMatchObject({ file: example, mismatches: [], violations: [] });
    expect(parsed.traces[0].observations[7]).toEqual({ value: '0x1050014', exits: [], deliveries: [] });
  });

  it('refuses a malformed file with one line naming file and JSON path, exit 2, nothing printed on stdout', async () => {
    const bad = copyWith('bad.json', (t) => t.replace('"vector": 64, "trigger"', '"vector": 999, "trigger"'));
    const { code, out, err } = await cli('replay', example, bad);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`seoib: ${bad}: $.commands[5].vector: must be a vector from 16 to 255 (got 999)\n`);
  });

  it('--record writes observations back as expectations, atomically, and the result replays clean', async () => {
    const file = copyWith('rec.json', (t) =>
      t.replace('"args": [12], "expect": { "ret": -22 }', '"args": [12], "expect": { "ret": 0 }'),
    );
    expect((await cli('replay', '--record', file)).code).toBe(0);
    const recorded = readFileSync(file, 'utf8');
    expect(recorded).toContain(
      '{"op":"KVM_ENABLE_CAP","cap":"KVM_CAP_X2APIC_API","args":[12],"expect":{"ret":-22}}',
    );
    expect(readdirSync(dir)).toEqual(['rec.json']);
    expect((await cli('replay', file)).code).toBe(0);
  });

  it('--record writes nothing when any input is malformed', async () => {
    const good = copyWith('good.json', (t) => t);
    const before = readFileSync(good, 'utf8');
    const bad = copyWith('zbad.json', (t) => t.slice(0, 100));
    expect((await cli('replay', '--record', good, bad)).code).toBe(2);
    expect(readFileSync(good, 'utf8')).toBe(before);
  });

  it('replays every *.json below a directory', async () => {
    const { code, out } = await cli('replay', join(import.meta.dirname, '..', 'corpus', 'legacy'));
    expect(code).toBe(0);
    expect(out.match(/^ {2}ok:/gm)?.length).toBe(
      readdirSync(join(import.meta.dirname, '..', 'corpus', 'legacy')).length,
    );
  });

  it('names a missing file, exit 2', async () => {
    const { code, err } = await cli('replay', join(dir, 'nope.json'));
    expect(code).toBe(2);
    expect(err).toMatch(/nope\.json: no such file or directory\n$/);
  });
});
