import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (the one with package.json), from source or from dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('seoib: package.json not found above src/kvm');
    dir = parent;
  }
  return dir;
}

/** Where seoib keeps what it builds and downloads: the runner, kernel packages, initramfs images. */
export function cacheDir(): string {
  return process.env.SEOIB_CACHE ?? join(projectRoot(), '.seoib-cache');
}
