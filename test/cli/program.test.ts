import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROFILE_NAMES } from '../helpers.js';
import { cli } from './run.js';

const example = readFileSync(
  join(import.meta.dirname, '..', 'corpus', 'upstream', 'design-example.json'),
  'utf8',
);

describe('seoib command line', () => {
  it('refuses an unknown option with one line and exit 2', async () => {
    const { code, err } = await cli('replay', '--bogus', 'x.json');
    expect(code).toBe(2);
    expect(err).toBe("seoib: unknown option '--bogus'\n");
  });

  it('refuses an unknown command with exit 2', async () => {
    expect((await cli('fly')).code).toBe(2);
  });

  it('prints help with exit 0', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    expect(out).toContain('replay');
  });

  it('lists every profile with a description', async () => {
    const { code, out } = await cli('profiles', '--json');
    expect(code).toBe(0);
    const names = JSON.parse(out);
    expect(names.kernel.map((p: { name: string }) => p.name)).toEqual(PROFILE_NAMES.kernel);
    expect(names.vmm.map((p: { name: string }) => p.name)).toEqual(PROFILE_NAMES.vmm);
    expect(names.guest.map((p: { name: string }) => p.name)).toEqual(PROFILE_NAMES.guest);
  });
});

/** Mutations of a valid trace: JSON edits at random paths, truncation and byte garbling. */
const jsonValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 300 }),
  fc.constantFrom('0x80f', '0xzz', '', 'level', 'KVM_RUN', 'guest.eoi'),
  fc.constant([]),
  fc.constant({}),
);

function mutateJson(root: unknown, choices: number[], replacement: unknown): unknown {
  const copy = structuredClone(root);
  let node = copy as Record<string, unknown>;
  for (const choice of choices) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[choice % keys.length] as string;
    const child = node[key];
    if (child === null || typeof child !== 'object' || choice % 3 === 0) {
      if (choice % 5 === 0 && !Array.isArray(node)) delete node[key];
      else node[key] = replacement;
      return copy;
    }
    node = child as Record<string, unknown>;
  }
  return copy;
}

const mutatedTrace = fc.oneof(
  fc
    .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), jsonValue)
    .map(([choices, replacement]) => JSON.stringify(mutateJson(JSON.parse(example), choices, replacement))),
  fc.nat(example.length).map((n) => example.slice(0, n)),
  fc
    .tuple(fc.nat(example.length - 1), fc.integer({ min: 0, max: 255 }))
    .map(([at, byte]) => example.slice(0, at) + String.fromCharCode(byte) + example.slice(at + 1)),
);

describe('seoib replay on mutated traces (seed 2003)', () => {
  it('never crashes: exit 0, 1 or 2, and a single stderr line on 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seoib-fuzz-'));
    const file = join(dir, 't.json');
    await fc.assert(
      fc.asyncProperty(mutatedTrace, async (text) => {
        writeFileSync(file, text);
        const { code, err } = await cli('replay', '--json', file);
        expect([0, 1, 2]).toContain(code);
        if (code === 2) expect(err).toMatch(/^seoib: .*t\.json: \$[^\n]*: [^\n]+\n$/);
        else expect(err).toBe('');
      }),
      { seed: 2003, numRuns: 2000 },
    );
  });
});
