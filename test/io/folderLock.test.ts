import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFolderLock } from '../../src/io/folderLock.js';

const folder = () => mkdtempSync(join(tmpdir(), 'seoib-lock-'));

describe('withFolderLock', () => {
  it('runs the work holding the lock, and leaves no lock behind, also when the work throws', () => {
    const dir = folder();
    expect(withFolderLock(dir, () => existsSync(join(dir, '.lock', 'pid')))).toBe(true);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    expect(() =>
      withFolderLock(dir, () => {
        throw new Error('unpack failed');
      }),
    ).toThrow('unpack failed');
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });

  it('takes over the lock of an owner that died', () => {
    const dir = folder();
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid as number;
    mkdirSync(join(dir, '.lock'));
    writeFileSync(join(dir, '.lock', 'pid'), String(dead));
    expect(withFolderLock(dir, () => 'ran')).toBe('ran');
  });

  it('waits while a live owner holds it', async () => {
    const dir = folder();
    const holder = spawn(process.execPath, [
      '-e',
      `const fs = require('node:fs'); fs.mkdirSync(${JSON.stringify(join(dir, '.lock'))});
       fs.writeFileSync(${JSON.stringify(join(dir, '.lock', 'pid'))}, String(process.pid));
       console.log('held');
       setTimeout(() => { fs.writeFileSync(${JSON.stringify(join(dir, 'released'))}, ''); fs.rmSync(${JSON.stringify(join(dir, '.lock'))}, { recursive: true }); }, 600);`,
    ]);
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    expect(withFolderLock(dir, () => existsSync(join(dir, 'released')))).toBe(true);
  });
});
