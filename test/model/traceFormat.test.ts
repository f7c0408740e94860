import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordTrace, runTrace } from '../../src/check/runTrace.js';
import { parseTrace, type Trace } from '../../src/model/trace.js';
import { commandJson, observationJson, serializeTrace } from '../../src/model/traceFormat.js';
import { anyTrace } from '../arbitraries.js';

const corpus = join(import.meta.dirname, '..', 'corpus');
/** Corpus traces by path inside test/corpus, so test names do not depend on where the checkout lives. */
const files = readdirSync(corpus, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('serializeTrace', () => {
  it.each(files)('round-trips %s', (name) => {
    const file = join(corpus, name);
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
        const recorded = serializeTrace(recordTrace(trace, runTrace(trace).observations));
        const replayed = parseTrace(recorded, 'recorded.json');
        const run = runTrace(replayed);
        expect(run.mismatches).toEqual([]);
        expect(serializeTrace(recordTrace(replayed, run.observations))).toBe(recorded);
      }),
      { seed: 2002, numRuns: 300 },
    );
  });
});

describe('serializeTrace, field by field', () => {
  const trace = (commands: Trace['commands']): Trace => ({
    format: 'seoib-trace/1',
    profile: { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' },
    config: { vcpus: 1, pins: 24 },
    commands,
  });

  it('writes an empty trace and a LAPIC trace exactly so: registers in hex, no absent field', () => {
    expect(serializeTrace(trace([]))).toBe(
      [
        '{',
        '  "format": "seoib-trace/1",',
        '  "profile": {"kernel":"upstream","vmm":"ioapic-0x20","guest":"adversarial"},',
        '  "config": {"vcpus":1,"pins":24},',
        '  "commands": []',
        '}',
        '',
      ].join('\n'),
    );
    const text = serializeTrace(
      trace([
        { op: 'KVM_CREATE_VCPU', id: 0 },
        { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [], isr: [], tmr: [], expect: { ret: 0 } },
        { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x30 },
      ]),
    );
    expect(text.split('\n').slice(4, 9)).toEqual([
      '  "commands": [',
      '    {"op":"KVM_CREATE_VCPU","id":0},',
      '    {"op":"KVM_SET_LAPIC","vcpu":0,"spiv":"0x11ff","irr":[],"isr":[],"tmr":[],"expect":{"ret":0}},',
      '    {"op":"KVM_GET_LAPIC","vcpu":0,"reg":"0x30"}',
      '  ]',
    ]);
  });

  it('commandJson and observationJson carry only the fields there are', () => {
    expect(Object.keys(commandJson({ op: 'KVM_CREATE_IRQCHIP' }))).toEqual(['op']);
    expect(Object.keys(observationJson({ ret: 0 }))).toEqual(['ret']);
  });
});
