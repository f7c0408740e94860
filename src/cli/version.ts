import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../kvm/projectRoot.js';

/** seoib's version, from its package.json. */
export function seoibVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}
