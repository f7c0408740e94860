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

const wrmsr = (value: unknown) => withCommands([vcpu0, { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value }]);
const getLapic = (reg: number) => withCommands([vcpu0, { op: 'KVM_GET_LAPIC', vcpu: 0, reg }]);
const rte = (fields: object) =>
  withCommands([
    { op: 'guest.ioapicWriteRte', pin: 1, vector: 64, trigger: 'level', masked: false, dest: 0, ...fields },
  ]);
const irqchipExpecting = (expect: unknown) => withCommands([{ op: 'KVM_CREATE_IRQCHIP', expect }]);
const withProfile = (fields: object) =>
  JSON.stringify({
    format: 'seoib-trace/1',
    profile: { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial', ...fields },
    config: { vcpus: 1, pins: 24 },
    commands: [],
  });
const LAPIC_REGS =
  'must be a modelled LAPIC register offset: 0x30, 0xf0, 0x100-0x170, 0x180-0x1f0, 0x200-0x270';

describe('parseTrace says exactly what is wrong, and where', () => {
  it.each([
    [
      'a fraction',
      withCommands([{ op: 'KVM_CREATE_VCPU', id: 1.5 }]),
      '$.commands[0].id',
      'must be an integer (got 1.5)',
    ],
    [
      'a negative id',
      withCommands([{ op: 'KVM_CREATE_VCPU', id: -1 }]),
      '$.commands[0].id',
      'must not be negative (got -1)',
    ],
    [
      'a boolean id',
      withCommands([{ op: 'KVM_CREATE_VCPU', id: true }]),
      '$.commands[0].id',
      'must be a number or a "0x…" hex string (got true)',
    ],
    [
      'text before the hex',
      withCommands([{ op: 'guest.ioapicEoi', vector: 'x0x40' }]),
      '$.commands[0].vector',
      'must be a number or a "0x…" hex string (got "x0x40")',
    ],
    [
      'text after the hex',
      withCommands([{ op: 'guest.ioapicEoi', vector: '0x40z' }]),
      '$.commands[0].vector',
      'must be a number or a "0x…" hex string (got "0x40z")',
    ],
    [
      'hex beyond 2^53',
      withCommands([{ op: 'clock.advance', ns: '0x20000000000001' }]),
      '$.commands[0].ns',
      'is too large (got 9007199254740992)',
    ],
    ['a fractional register value', wrmsr(1.5), '$.commands[1].value', 'must be an integer (got 1.5)'],
    ['a negative register value', wrmsr(-1), '$.commands[1].value', 'must not be negative (got -1)'],
    [
      'a bad hex register value',
      wrmsr('0xg'),
      '$.commands[1].value',
      'must be a number or a "0x…" hex string (got "0xg")',
    ],
    [
      'an id beyond 0xfff',
      withCommands([{ op: 'KVM_CREATE_VCPU', id: 0x1000 }]),
      '$.commands[0].id',
      'is out of range (got 4096)',
    ],
    [
      'destination 256',
      rte({ dest: 256 }),
      '$.commands[0].dest',
      'must be an APIC ID from 0 to 255 (got 256)',
    ],
    [
      'MSR 0x900',
      withCommands([vcpu0, { op: 'guest.rdmsr', vcpu: 0, msr: 0x900 }]),
      '$.commands[1].msr',
      'must be an x2APIC MSR (0x800-0x8ff) (got 2304)',
    ],
    [
      'SPIV beyond 32 bits',
      withCommands([vcpu0, { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 2 ** 32 }]),
      '$.commands[1].spiv',
      'must fit in 32 bits (got 4294967296)',
    ],
    ['a register inside a word', getLapic(0x104), '$.commands[1].reg', `${LAPIC_REGS} (got 260)`],
    ['the register after IRR', getLapic(0x280), '$.commands[1].reg', `${LAPIC_REGS} (got 640)`],
    ['a register below ISR', getLapic(0xf8), '$.commands[1].reg', `${LAPIC_REGS} (got 248)`],
    [
      'a word-aligned register below ISR (TPR)',
      getLapic(0x80),
      '$.commands[1].reg',
      `${LAPIC_REGS} (got 128)`,
    ],
    [
      'IRR as one vector',
      withCommands([vcpu0, { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0xff, irr: 64 }]),
      '$.commands[1].irr',
      'must be a list of vectors (got 64)',
    ],
    [
      'a fractional ret',
      irqchipExpecting({ ret: 0.5 }),
      '$.commands[0].expect.ret',
      'must be an integer (got 0.5)',
    ],
    [
      'another fault',
      irqchipExpecting({ fault: '#UD' }),
      '$.commands[0].expect.fault',
      'must be "#GP" or null (no fault) (got "#UD")',
    ],
    [
      'reactions as an object',
      irqchipExpecting({ reactions: {} }),
      '$.commands[0].expect.reactions',
      'must be a list of commands (got Object)',
    ],
    [
      'a reaction without op',
      irqchipExpecting({ reactions: [{ vcpu: 0 }] }),
      '$.commands[0].expect.reactions[0].op',
      'is required',
    ],
    [
      'expect as a number',
      irqchipExpecting(3),
      '$.commands[0].expect',
      'must be an object of expected observations (got 3)',
    ],
    [
      'the vCPU fd',
      withCommands([{ op: 'KVM_CHECK_EXTENSION', fd: 'vcpu', cap: 'KVM_CAP_X2APIC_API' }]),
      '$.commands[0].fd',
      'must be "system" or "vm" (got "vcpu")',
    ],
    [
      'another capability checked',
      withCommands([{ op: 'KVM_CHECK_EXTENSION', fd: 'vm', cap: 'KVM_CAP_SPLIT_IRQCHIP' }]),
      '$.commands[0].cap',
      'must be "KVM_CAP_X2APIC_API" (got "KVM_CAP_SPLIT_IRQCHIP")',
    ],
    [
      'another capability enabled',
      withCommands([{ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_IRQCHIP', args: [0] }]),
      '$.commands[0].cap',
      'must be "KVM_CAP_SPLIT_IRQCHIP" or "KVM_CAP_X2APIC_API" (got "KVM_CAP_IRQCHIP")',
    ],
    [
      'args as a number',
      withCommands([{ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: 4 }]),
      '$.commands[0].args',
      'must be a one-element list [args0] (got 4)',
    ],
    [
      'a second argument',
      withCommands([{ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [4, 0] }]),
      '$.commands[0].args[1]',
      'is not a field here',
    ],
    [
      'a pulse trigger',
      rte({ trigger: 'pulse' }),
      '$.commands[0].trigger',
      'must be "edge" or "level" (got "pulse")',
    ],
    ['mask as a number', rte({ masked: 0 }), '$.commands[0].masked', 'must be true or false (got 0)'],
    [
      'line level 2',
      withCommands([{ op: 'device.setLine', pin: 1, level: 2 }]),
      '$.commands[0].level',
      'must be 0 or 1 (got 2)',
    ],
    [
      'a numeric kernel',
      withProfile({ kernel: 4 }),
      '$.profile.kernel',
      'must be a kernel profile name (got 4)',
    ],
    ['a null VMM', withProfile({ vmm: null }), '$.profile.vmm', 'must be a VMM profile name (got null)'],
    [
      'a list as guest',
      withProfile({ guest: [] }),
      '$.profile.guest',
      'must be a guest profile name (got Array)',
    ],
    [
      'vCPUs as text',
      withCommands([], { vcpus: '1', pins: 24 } as never),
      '$.config.vcpus',
      'must be a number (got "1")',
    ],
    ['no vCPU', withCommands([], { vcpus: 0, pins: 24 }), '$.config.vcpus', 'must be from 1 to 8 (got 0)'],
    [
      'pins as text',
      withCommands([], { vcpus: 1, pins: 'x' } as never),
      '$.config.pins',
      'must be a number (got "x")',
    ],
    ['no pin', withCommands([], { vcpus: 1, pins: 0 }), '$.config.pins', 'must be from 1 to 24 (got 0)'],
    [
      'pins beyond 24',
      withCommands([], { vcpus: 1, pins: 1000 }),
      '$.config.pins',
      'must be from 1 to 24 (got 1000)',
    ],
    [
      'commands as an object',
      JSON.stringify({ ...JSON.parse(withCommands([])), commands: {} }),
      '$.commands',
      'must be a list of commands (got Object)',
    ],
  ])('refuses %s', (_name, text, path, reason) => {
    expect(refusal(text)).toEqual({ path, reason });
  });

  it('refuses nesting of 64 levels before the schema recurses into it, naming where it starts', () => {
    const nested = (arrays: number) =>
      withCommands([{ ...vcpu0, expect: { reactions: [0] } }]).replace(
        '[0]',
        `${'['.repeat(arrays)}${']'.repeat(arrays)}`,
      );
    // expect.reactions is at depth 4 (the document is 0), so the innermost of 61 nested arrays is at depth 64.
    expect(refusal(nested(61))).toEqual({
      path: `$.commands[0].expect.reactions${'[0]'.repeat(60)}`,
      reason: 'nests deeper than 64 levels',
    });
    expect(refusal(nested(60)).reason).not.toBe('nests deeper than 64 levels');
  });

  it('keeps a key with a newline in the JSON path on one line', () => {
    const { path } = refusal(withCommands([{ ...vcpu0, 'a\nb': 1 }]));
    expect(path).toBe('$.commands[0].a\\nb');
  });

  it('names the whole document when it is no object, and says what came', () => {
    expect(refusal('3')).toEqual({ path: '$', reason: 'Invalid type: Expected Object but received 3' });
  });

  it('lists the known profiles, and keeps a control character in the input on one line, escaped', () => {
    expect(refusal(example.replace('"upstream"', '"v\\n9"'))).toEqual({
      path: '$.profile.kernel',
      reason:
        'unknown kernel profile "v\\n9" (known: legacy, v4, v6, upstream, upstream-vcpu-lock, upstream-apply-first)',
    });
    try {
      parseTrace('3', 'bad.json');
    } catch (error) {
      expect((error as Error).name).toBe('TraceInputError');
    }
  });

  it('accepts the last word of each register bitmap, and a register value beyond 2^53 as a bigint', () => {
    for (const reg of [0x170, 0x180, 0x1f0, 0x270])
      expect(() => parseTrace(getLapic(reg), 'ok.json')).not.toThrow();
    const [, write] = parseTrace(wrmsr('0xffffffffffffffff'), 'ok.json').commands;
    expect(write).toMatchObject({ value: 0xffff_ffff_ffff_ffffn });
    const [, small] = parseTrace(wrmsr(4607), 'ok.json').commands;
    expect(small).toMatchObject({ value: 4607n });
  });
});
