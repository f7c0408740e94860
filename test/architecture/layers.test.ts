import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** Every relative import of a source file, as a path from the project root ("src/fuzz/row.ts"). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)[^;]*?from '(\.[^']+)'/gms)].map((m) =>
    relative(root, resolve(dirname(join(root, file)), m[1] as string)).replace(/\.js$/, '.ts'),
  );
}

/** The imports of every file under `from` that reach into `to`, as "file -> import". */
function crossings(from: string, to: string, except: (file: string) => boolean = () => false): string[] {
  return sources(from)
    .filter((file) => !except(file))
    .flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(`${to}/`))
        .map((t) => `${file} -> ${t}`),
    );
}

describe('layers point one way (docs/architecture.md)', () => {
  it('reads the import lines it checks', () => {
    expect(importsOf('src/explore/explore.ts')).toContain('src/scenario/alphabet.ts');
    expect(crossings('src/cli', 'src/scenario').length).toBeGreaterThan(0);
  });

  it('machines/ imports nothing from src/: the machines are the semantics, the model drives them', () => {
    expect(crossings('machines', 'src')).toEqual([]);
  });

  it('src/model imports nothing from src/invariants: the checks read the model, not the other way', () => {
    expect(crossings('src/model', 'src/invariants')).toEqual([]);
  });

  it('src/explore imports nothing from src/fuzz: both build on src/scenario', () => {
    expect(crossings('src/explore', 'src/fuzz')).toEqual([]);
  });

  it('one checked run: only src/check/checkedRun.ts steps the model, every runner goes through it', () => {
    const stepping = sources('src').filter((file) =>
      /import \{[^}]*\bstep\b[^}]*\} from '[^']*model\/step\.js'/.test(
        readFileSync(join(root, file), 'utf8'),
      ),
    );
    expect(stepping).toEqual(['src/check/checkedRun.ts']);
  });

  it('only src/cli imports src/cli', () => {
    expect(crossings('src', 'src/cli', (file) => file.startsWith('src/cli/'))).toEqual([]);
  });
});
