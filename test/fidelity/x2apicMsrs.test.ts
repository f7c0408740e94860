import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNMODELLED_X2APIC_MSRS } from '../../machines/apic.js';
import { parseTrace, TraceInputError } from '../../src/model/trace.js';

const corpus = join(import.meta.dirname, '..', 'corpus');

/** Every (op, msr) a corpus trace of the upstream profile reaches; the conformance suite runs them on sid. */
function covered(): Set<string> {
  const seen = new Set<string>();
  for (const folder of ['upstream', 'scenarios', 'found'])
    for (const name of readdirSync(join(corpus, folder)).filter((f) => f.endsWith('.json'))) {
      const file = join(corpus, folder, name);
      const trace = parseTrace(readFileSync(file, 'utf8'), file);
      if (trace.profile.kernel !== 'upstream') continue;
      for (const c of trace.commands)
        if (c.op === 'guest.rdmsr' || c.op === 'guest.wrmsr') seen.add(`${c.op} 0x${c.msr.toString(16)}`);
    }
  return seen;
}

function accessTrace(op: 'guest.rdmsr' | 'guest.wrmsr', msr: number): string {
  const access = op === 'guest.rdmsr' ? { op, vcpu: 0, msr } : { op, vcpu: 0, msr, value: 0 };
  return JSON.stringify({
    format: 'seoib-trace/1',
    profile: { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' },
    config: { vcpus: 1, pins: 2 },
    commands: [{ op: 'KVM_CREATE_VCPU', id: 0 }, access],
  });
}

describe('every x2APIC MSR the format admits is modelled and kernel-checked, or refused', () => {
  for (const op of ['guest.rdmsr', 'guest.wrmsr'] as const) {
    it(`${op} of 0x800-0x8ff`, () => {
      const reached = covered();
      const unanswered: string[] = [];
      for (let msr = 0x800; msr <= 0x8ff; msr++) {
        const register = UNMODELLED_X2APIC_MSRS.get(msr);
        const refused = register !== undefined && (op === 'guest.rdmsr' ? register.read : register.write);
        if (refused) {
          expect(() => parseTrace(accessTrace(op, msr), 't.json')).toThrow(TraceInputError);
          expect(() => parseTrace(accessTrace(op, msr), 't.json')).toThrow(
            `t.json: $.commands[1].msr: x2APIC ${register?.name} (0x${msr.toString(16)}) is not modelled`,
          );
        } else if (!reached.has(`${op} 0x${msr.toString(16)}`)) {
          unanswered.push(`0x${msr.toString(16)}`);
        }
      }
      expect(unanswered).toEqual([]);
    });
  }
});

describe('the refusal of an unmodelled register', () => {
  it('names the register and what KVM does with it, for a read and for a write', () => {
    expect(() => parseTrace(accessTrace('guest.rdmsr', 0x839), 't.json')).toThrow(
      't.json: $.commands[1].msr: x2APIC timer current count (0x839) is not modelled: KVM reads it, the model would answer #GP',
    );
    expect(() => parseTrace(accessTrace('guest.wrmsr', 0x830), 't.json')).toThrow(
      't.json: $.commands[1].msr: x2APIC ICR (0x830) is not modelled: KVM writes it, the model would answer #GP',
    );
  });

  it('refuses a SELF_IPI of a reserved vector (0-15), which the model does not deliver', () => {
    const selfIpi = (value: number) =>
      JSON.stringify({
        format: 'seoib-trace/1',
        profile: { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' },
        config: { vcpus: 1, pins: 2 },
        commands: [
          { op: 'KVM_CREATE_VCPU', id: 0 },
          { op: 'guest.wrmsr', vcpu: 0, msr: 0x83f, value },
        ],
      });
    expect(() => parseTrace(selfIpi(15), 't.json')).toThrow(
      't.json: $.commands[1].value: a SELF_IPI of vector 15 (below 16) is not modelled',
    );
    expect(parseTrace(selfIpi(16), 't.json').commands).toHaveLength(2);
  });

  it('refuses a TPR write with bits 3:0, which SVM drops and VMX keeps, and takes one without', () => {
    const tpr = (value: number) => accessTrace('guest.wrmsr', 0x808).replace('"value":0', `"value":${value}`);
    expect(() => parseTrace(tpr(0x45), 't.json')).toThrow(
      't.json: $.commands[1].value: TPR bits 3:0 are not modelled: VMX keeps them, SVM drops them at the next exit',
    );
    expect(parseTrace(tpr(0x40), 't.json').commands).toHaveLength(2);
    expect(() =>
      parseTrace(accessTrace('guest.wrmsr', 0x80b).replace('"value":0', '"value":5'), 't.json'),
    ).not.toThrow();
  });
});
