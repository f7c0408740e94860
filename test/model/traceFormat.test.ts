import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordTrace, runTrace } from '../../src/model/runTrace.js';
import { parseTrace } from '../../src/model/trace.js';
import { serializeTrace } from '../../src/model/traceFormat.js';
import { anyTrace } from '../arbitraries.js';

const corpus = join(import.meta.dirname, '..', 'corpus');
const files = readdirSync(corpus, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .map((f) => join(corpus, f));

describe('serializeTrace', () => {
  it.each(files)('round-trips %s', (file) => {
    const trace = parseTrace(readFileSync(file, 'utf8'), file);
    const text = serializeTrace(trace);
    expect(parseTrace(text, file)).toEqual(trace);
    expect(serializeTrace(parseTrace(text, file))).toBe(text);
  });

  it('writes register numbers and values in hex, one command per line', () => {
    const text = serializeTrace(
      parseTrace(readFileSync(join(corpus, 'upstream', 'design-example.json'), 'utf8'), 'x'),
    );
    expect(text).toContain('{"op":"guest.wrmsr","vcpu":0,"msr":"0x80f","value":"0x11ff"}');
    expect(text).toContain('"expect":{"value":"0x1000000","mask":"0x1000000"}');
    expect(text.split('\n').filter((line) => line.includes('"op"'))).toHaveLength(13);
  });
});

describe('record and replay (seed 2002)', () => {
  it('a recorded trace replays with no mismatch, byte-identically', () => {
    fc.assert(
      fc.property(anyTrace(), (trace) => {
        const recorded = serializeTrace(recordTrace(trace, runTrace(trace)));
        const replayed = parseTrace(recorded, 'recorded.json');
        const run = runTrace(replayed);
        expect(run.mismatches).toEqual([]);
        expect(serializeTrace(recordTrace(replayed, run))).toBe(recorded);
      }),
      { seed: 2002, numRuns: 300 },
    );
  });
});
