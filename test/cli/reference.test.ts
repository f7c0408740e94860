import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliReference, withCliReference } from '../../src/cli/reference.js';

describe('cliReference', () => {
  it('documents every leaf command with its arguments, options and defaults', () => {
    const text = cliReference();
    for (const heading of [
      '### `seoib replay <trace...>`',
      '### `seoib fuzz`',
      '### `seoib merge <folder...>`',
      '### `seoib kvm info`',
      '### `seoib kvm run <trace...>`',
      '### `seoib export machines`',
      '### `seoib profiles`',
    ]) {
      expect(text).toContain(`${heading}\n`);
    }
    expect(text).toContain('| `--workers <n>` | worker threads; results do not depend on it | `1` |');
    expect(text).toContain('| `--out <dir>` | folder for the merged campaign (required) |  |');
    expect(text).not.toContain('### `seoib kvm`\n');
  });

  it('is what README.md holds between its markers (regenerate with: npm run readme)', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    expect(withCliReference(readme)).toBe(readme);
  });

  it('refuses a README without the markers', () => {
    expect(() => withCliReference('# seoib\n')).toThrow(/README\.md: the markers .* are missing/);
  });
});
