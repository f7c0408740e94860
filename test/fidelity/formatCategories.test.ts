import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCategories, traceCategories } from '../../src/kvm/reach.js';
import { parseTrace } from '../../src/model/trace.js';

const corpus = join(import.meta.dirname, '..', 'corpus');

/**
 * The categories the corpus traces the conformance suite runs on a Debian kernel reach: the upstream traces on
 * sid, the legacy ones on bookworm (test/kvm/conformance.test.ts), each recorded from the kernel.
 */
function kernelChecked(): Set<string> {
  const reached = new Set<string>();
  for (const profile of ['upstream', 'legacy'])
    for (const folder of [profile, 'scenarios', 'found'])
      for (const name of readdirSync(join(corpus, folder)).filter((f) => f.endsWith('.json'))) {
        const file = join(corpus, folder, name);
        const trace = parseTrace(readFileSync(file, 'utf8'), file);
        if (trace.profile.kernel === profile)
          for (const category of traceCategories(trace.commands, trace.config)) reached.add(category);
      }
  return reached;
}

describe('every op and field category of the trace format is answered as the kernel answers it, or refused', () => {
  it('each category the model answers is reached by a corpus trace the conformance suite runs on sid or bookworm', () => {
    const reached = kernelChecked();
    expect(formatCategories().length).toBeGreaterThan(80);
    expect(formatCategories().filter((category) => !reached.has(category))).toEqual([]);
  });
});
