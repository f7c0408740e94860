import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace, TraceInputError } from '../../src/model/trace.js';

const example = readFileSync(
  join(import.meta.dirname, '..', 'corpus', 'upstream', 'design-example.json'),
  'utf8',
);

function withCommands(commands: unknown[], config = { vcpus: 1, pins: 24 }): string {
  return JSON.stringify({
    format: 'seoib-trace/1',
    profile: { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' },
    config,
    commands,
  });
}

function refusal(text: string): { path: string; reason: string } {
  try {
    parseTrace(text, 'bad.json');
  } catch (error) {
    expect(error).toBeInstanceOf(TraceInputError);
    const { path, reason, message } = error as TraceInputError;
    expect(message).toBe(`bad.json: ${path}: ${reason}`);
    expect(message).not.toContain('\n');
    return { path, reason };
  }
  throw new Error('trace was accepted');
}

const vcpu0 = { op: 'KVM_CREATE_VCPU', id: 0 };

describe('parseTrace', () => {
  it('accepts the DESIGN example and reads hex strings as numbers', () => {
    const trace = parseTrace(example, 'example.json');
    expect(trace.commands).toHaveLength(13);
    expect(trace.commands[6]).toMatchObject({ op: 'guest.wrmsr', msr: 0x80f, value: 0x11ffn });
    expect(trace.commands[7]?.expect).toEqual({ mask: 0x1000000, value: 0x1000000 });
  });

  it.each([
    ['bad JSON', '{"format": ', '$', /invalid JSON/],
    [
      'wrong format',
      example.replace('seoib-trace/1', 'seoib-trace/2'),
      '$.format',
      /must be "seoib-trace\/1"/,
    ],
    [
      'unknown kernel profile',
      example.replace('"upstream"', '"v9"'),
      '$.profile.kernel',
      /unknown kernel profile "v9"/,
    ],
    ['unknown op', withCommands([{ op: 'KVM_RUN' }]), '$.commands[0].op', /must be a known op/],
    ['missing field', withCommands([{ op: 'KVM_CREATE_VCPU' }]), '$.commands[0].id', /is required/],
    [
      'wrong type',
      withCommands([vcpu0, { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: 'yes' }]),
      '$.commands[1].x2apic',
      /true or false/,
    ],
    [
      'unknown field',
      withCommands([{ op: 'KVM_CREATE_IRQCHIP', irqchip: 1 }]),
      '$.commands[0].irqchip',
      /is not a field here/,
    ],
    [
      'vector out of range',
      withCommands([{ op: 'guest.ioapicEoi', vector: 300 }]),
      '$.commands[0].vector',
      /vector from 16 to 255/,
    ],
    [
      'vector below 16',
      withCommands([{ op: 'guest.ioapicEoi', vector: '0xf' }]),
      '$.commands[0].vector',
      /vector from 16/,
    ],
    [
      'pin out of range',
      withCommands([{ op: 'device.setLine', pin: 24, level: 1 }]),
      '$.commands[0].pin',
      /pin 24 does not exist/,
    ],
    [
      'vCPU beyond config',
      withCommands([{ op: 'KVM_CREATE_VCPU', id: 1 }]),
      '$.commands[0].id',
      /beyond config.vcpus/,
    ],
    [
      'vCPU not created yet',
      withCommands([{ op: 'guest.eoi', vcpu: 0 }, vcpu0]),
      '$.commands[0].vcpu',
      /does not exist yet/,
    ],
    [
      'bad hex',
      withCommands([vcpu0, { op: 'guest.rdmsr', vcpu: 0, msr: '0xzz' }]),
      '$.commands[1].msr',
      /hex string/,
    ],
    [
      'MSR outside x2APIC',
      withCommands([vcpu0, { op: 'guest.rdmsr', vcpu: 0, msr: 0x1b }]),
      '$.commands[1].msr',
      /x2APIC MSR/,
    ],
    [
      '64-bit overflow',
      withCommands([vcpu0, { op: 'guest.wrmsr', vcpu: 0, msr: '0x80f', value: '0x10000000000000000' }]),
      '$.commands[1].value',
      /64 bits/,
    ],
    [
      'bad expect field',
      withCommands([{ op: 'KVM_CREATE_IRQCHIP', expect: { retval: 0 } }]),
      '$.commands[0].expect.retval',
      /is not a field here/,
    ],
    ['config out of range', withCommands([], { vcpus: 9, pins: 24 }), '$.config.vcpus', /from 1 to 8/],
  ])('refuses %s with its JSON path', (_name, text, path, reason) => {
    const refused = refusal(text);
    expect(refused.path).toBe(path);
    expect(refused.reason).toMatch(reason);
  });
});
