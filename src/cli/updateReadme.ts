import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { projectRoot } from '../kvm/projectRoot.js';
import { withCliReference } from './reference.js';

// `npm run readme`: regenerates README.md's CLI reference from the commander definition.
const readme = join(projectRoot(), 'README.md');
writeFileAtomic(readme, withCliReference(readFileSync(readme, 'utf8')));
process.stdout.write(`updated the CLI reference in ${readme}\n`);
