import { describe, expect, it } from 'vitest';
import { compareExpectation, recordTrace, runTrace } from '../../src/check/runTrace.js';
import type { Trace } from '../../src/model/trace.js';
import { orderedSetup } from '../helpers.js';

describe('compareExpectation', () => {
  it('compares value under mask', () => {
    expect(compareExpectation(3, { value: 0x1000000, mask: 0x1000000 }, { value: 0x1050014 })).toEqual([]);
    expect(compareExpectation(3, { value: 0x1000000, mask: 0x1000000 }, { value: 0x50014 })).toEqual([
      { index: 3, field: 'value', expected: 0x1000000, observed: 0x50014 },
    ]);
  });

  it('reports every differing field, with null for a field the command does not observe', () => {
    expect(compareExpectation(1, { ret: 0, exits: [64], vector: null }, { exits: [], vector: 64 })).toEqual([
      { index: 1, field: 'ret', expected: 0, observed: null },
      { index: 1, field: 'vector', expected: null, observed: 64 },
      { index: 1, field: 'exits', expected: [64], observed: [] },
    ]);
  });

  it('takes fault: null as "does not fault", and "#GP" as a fault', () => {
    expect(compareExpectation(2, { fault: null }, { exits: [] })).toEqual([]);
    expect(compareExpectation(2, { fault: null }, { fault: '#GP' })).toEqual([
      { index: 2, field: 'fault', expected: null, observed: '#GP' },
    ]);
    expect(compareExpectation(2, { fault: '#GP' }, { fault: '#GP' })).toEqual([]);
    expect(compareExpectation(2, { fault: '#GP' }, {})).toEqual([
      { index: 2, field: 'fault', expected: '#GP', observed: null },
    ]);
  });

  it('compares reactions in canonical form, whatever number notation the file used', () => {
    const observed = {
      reactions: [
        { command: { op: 'guest.rdmsr', vcpu: 0, msr: 0x803 } as const, observed: { value: 0x50014 } },
      ],
    };
    const written = [{ op: 'guest.rdmsr', vcpu: 0, msr: 2051, observed: { value: 327700 } }];
    expect(compareExpectation(0, { reactions: written }, observed)).toEqual([]);
    const wrong = [{ op: 'guest.rdmsr', vcpu: 0, msr: '0x803', observed: { value: '0x1050014' } }];
    expect(compareExpectation(0, { reactions: wrong }, observed)).toEqual([
      {
        index: 0,
        field: 'reactions',
        expected: wrong,
        observed: [{ ...written[0], msr: '0x803', observed: { value: '0x50014' } }],
      },
    ]);
  });

  it('expects no reaction where none came, and reports a reaction the file cannot describe as it was written', () => {
    expect(compareExpectation(0, { reactions: [] }, { exits: [] })).toEqual([]);
    const unknownOp = [{ op: 'guest.hlt', vcpu: 0, observed: {} }];
    const badObservation = [{ op: 'guest.eoi', vcpu: 0, observed: { fault: '#UD' } }];
    const none = { reactions: [] };
    for (const reactions of [unknownOp, badObservation])
      expect(compareExpectation(2, { reactions }, none)).toEqual([
        { index: 2, field: 'reactions', expected: reactions, observed: [] },
      ]);
    // A field the format does not know, in the command or in its observation, never matches what the model did.
    const eoi = { reactions: [{ command: { op: 'guest.eoi', vcpu: 0 } as const, observed: { exits: [] } }] };
    const extraField = [{ op: 'guest.eoi', vcpu: 0, when: 'later', observed: { exits: [] } }];
    const extraObserved = [{ op: 'guest.eoi', vcpu: 0, observed: { exits: [], seen: true } }];
    expect(
      compareExpectation(2, { reactions: [{ op: 'guest.eoi', vcpu: 0, observed: { exits: [] } }] }, eoi),
    ).toEqual([]);
    for (const reactions of [extraField, extraObserved])
      expect(compareExpectation(2, { reactions }, eoi).map((m) => m.field)).toEqual(['reactions']);
  });
});

describe('recordTrace', () => {
  it("records each observation as the command's expect, the guest's reactions beside the other fields", () => {
    const trace: Trace = {
      format: 'seoib-trace/1',
      profile: { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'linux' },
      config: { vcpus: 1, pins: 24 },
      commands: orderedSetup(undefined),
    };
    const recorded = recordTrace(trace, runTrace(trace).observations);
    expect(recorded.commands.map((c) => c.expect)).toEqual([
      { ret: 0 },
      { ret: 0 },
      {
        ret: 0,
        reactions: [
          {
            op: 'guest.wrmsr',
            vcpu: 0,
            msr: '0x80f',
            value: '0x1ff',
            observed: { exits: [], deliveries: [] },
          },
        ],
      },
    ]);
    expect(runTrace(recorded).mismatches).toEqual([]);
  });
});

describe('runTrace', () => {
  it('reports the index of each mismatching command and keeps running', () => {
    const trace: Trace = {
      format: 'seoib-trace/1',
      profile: { kernel: 'legacy', vmm: 'ioapic-0x20', guest: 'adversarial' },
      config: { vcpus: 1, pins: 24 },
      commands: [
        { op: 'KVM_CHECK_EXTENSION', fd: 'system', cap: 'KVM_CAP_X2APIC_API', expect: { ret: 15 } },
        { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24], expect: { ret: 0 } },
        { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [4], expect: { ret: 0 } },
      ],
    };
    const run = runTrace(trace);
    expect(run.mismatches.map((m) => [m.index, m.field, m.expected, m.observed])).toEqual([
      [0, 'ret', 15, 3],
      [2, 'ret', 0, -22],
    ]);
    expect(run.observations).toHaveLength(3);
    expect(run.states).toHaveLength(4);
  });
});
