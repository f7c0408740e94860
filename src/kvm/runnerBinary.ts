import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KvmUnavailable } from './kvmUnavailable.js';
import { cacheDir, projectRoot } from './projectRoot.js';

/**
 * The native runner (src/kvm/runner.c), built on first use with the system C compiler, statically so the same
 * binary runs inside a minimal initramfs. Rebuilt when the source is newer than the binary.
 */
export function runnerBinary(): string {
  const source = join(projectRoot(), 'src', 'kvm', 'runner.c');
  const dir = join(cacheDir(), 'runner');
  const binary = join(dir, 'seoib-runner');
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-static', '-o', partial, source], { stdio: 'pipe' });
  } catch (error) {
    const why = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').at(-1) ?? String(error);
    throw new KvmUnavailable(`cannot build the runner from ${source} with the C compiler: ${why}`);
  }
  renameSync(partial, binary);
  return binary;
}
