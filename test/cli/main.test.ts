import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'src', 'cli', 'main.js');

describe('the seoib binary (built by npm test)', () => {
  it('replays the upstream corpus and exits 0', () => {
    const result = spawnSync(process.execPath, [bin, 'replay', join(root, 'test', 'corpus', 'upstream')], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('--version prints the version of package.json', () => {
    const result = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`seoib ${version}\n`);
  });

  it('exits 2 on bad input', () => {
    const result = spawnSync(process.execPath, [bin, 'replay', join(root, 'package.json')], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^seoib: .*package\.json: \$\.format: /);
  });
});
