import * as v from 'valibot';
import { FIRST_VECTOR, LAPIC_REG, LAST_VECTOR } from '../../machines/apic.js';
import { CONFIG_LIMITS } from './config.js';

/** The format tag of every trace file. */
export const TRACE_FORMAT = 'seoib-trace/1';

const HEX = /^0x[0-9a-fA-F]+$/;

const NUMBER_OR_HEX = 'must be a number or a "0x…" hex string';
/** A non-negative JSON number that is exactly an integer. */
const wholeNumber = v.pipe(
  v.number(),
  v.integer('must be an integer'),
  v.minValue(0, 'must not be negative'),
  v.safeInteger(),
);
const hexString = v.pipe(v.string(), v.regex(HEX, NUMBER_OR_HEX));

/** A non-negative integer given as a JSON number or a "0x…" string. */
const uint = v.union(
  [
    wholeNumber,
    v.pipe(
      hexString,
      v.transform((s) => Number.parseInt(s, 16)),
      v.safeInteger('is too large'),
    ),
  ],
  NUMBER_OR_HEX,
);

/** A 64-bit register value (number or "0x…" string), read without going through a double. */
const u64 = v.pipe(
  v.union([wholeNumber, hexString], NUMBER_OR_HEX),
  v.transform((n) => BigInt(n)),
  v.check((n) => n < 1n << 64n, 'must fit in 64 bits'),
);

const vector = v.pipe(
  uint,
  v.minValue(FIRST_VECTOR, `must be a vector from ${FIRST_VECTOR} to ${LAST_VECTOR}`),
  v.maxValue(LAST_VECTOR, `must be a vector from ${FIRST_VECTOR} to ${LAST_VECTOR}`),
);
const index = v.pipe(uint, v.maxValue(0xfff, 'is out of range'));
const apicId = v.pipe(uint, v.maxValue(0xff, 'must be an APIC ID from 0 to 255'));
const x2apicMsr = v.pipe(
  uint,
  v.minValue(0x800, 'must be an x2APIC MSR (0x800-0x8ff)'),
  v.maxValue(0x8ff, 'must be an x2APIC MSR (0x800-0x8ff)'),
);
const u32 = v.pipe(uint, v.maxValue(0xffff_ffff, 'must fit in 32 bits'));
const lapicReg = v.pipe(
  uint,
  v.check(
    (reg) =>
      reg === LAPIC_REG.lvr ||
      reg === LAPIC_REG.spiv ||
      ([LAPIC_REG.isr0, LAPIC_REG.tmr0, LAPIC_REG.irr0] as number[]).some(
        (base) => reg >= base && reg < base + 0x80 && reg % 0x10 === 0,
      ),
    'must be a modelled LAPIC register offset: 0x30, 0xf0, 0x100-0x170, 0x180-0x1f0, 0x200-0x270',
  ),
);
const vectorList = v.array(vector, 'must be a list of vectors');

/** `expect` / observation fields. Reactions are kept as JSON and compared in canonical form. */
export const expectationSchema = v.strictObject(
  {
    ret: v.optional(v.pipe(v.number(), v.integer('must be an integer'))),
    value: v.optional(u32),
    mask: v.optional(u32),
    vector: v.optional(v.nullable(vector)),
    exits: v.optional(vectorList),
    deliveries: v.optional(vectorList),
    fault: v.optional(v.nullable(v.literal('#GP', 'must be "#GP" or null (no fault)'))),
    reactions: v.optional(v.array(v.looseObject({ op: v.string() }), 'must be a list of commands')),
  },
  'must be an object of expected observations',
);

// An array is an object to valibot, and `expect` has no required field: refuse `[]` rather than check nothing
// (anything else that is no object, expectationSchema refuses itself).
const notArray = v.custom<object>(
  (input) => !Array.isArray(input),
  'must be an object of expected observations',
);
const expect = { expect: v.optional(v.pipe(notArray, expectationSchema)) };

export const commandSchema = v.variant(
  'op',
  [
    v.strictObject({
      op: v.literal('KVM_CHECK_EXTENSION'),
      fd: v.picklist(['system', 'vm'], 'must be "system" or "vm"'),
      cap: v.literal('KVM_CAP_X2APIC_API', 'must be "KVM_CAP_X2APIC_API"'),
      ...expect,
    }),
    v.strictObject({ op: v.literal('KVM_CREATE_IRQCHIP'), ...expect }),
    v.strictObject({
      op: v.literal('KVM_ENABLE_CAP'),
      cap: v.picklist(
        ['KVM_CAP_SPLIT_IRQCHIP', 'KVM_CAP_X2APIC_API'],
        'must be "KVM_CAP_SPLIT_IRQCHIP" or "KVM_CAP_X2APIC_API"',
      ),
      args: v.strictTuple([uint], 'must be a one-element list [args0]'),
      ...expect,
    }),
    v.strictObject({ op: v.literal('KVM_CREATE_VCPU'), id: index, ...expect }),
    v.strictObject({
      op: v.literal('KVM_SET_CPUID2'),
      vcpu: index,
      x2apic: v.boolean('must be true or false'),
      ...expect,
    }),
    v.strictObject({
      op: v.literal('KVM_SET_LAPIC'),
      vcpu: index,
      spiv: u32,
      irr: v.optional(vectorList, []),
      isr: v.optional(vectorList, []),
      tmr: v.optional(vectorList, []),
      ...expect,
    }),
    v.strictObject({ op: v.literal('KVM_GET_LAPIC'), vcpu: index, reg: lapicReg, ...expect }),
    v.strictObject({ op: v.literal('guest.wrmsr'), vcpu: index, msr: x2apicMsr, value: u64, ...expect }),
    v.strictObject({ op: v.literal('guest.rdmsr'), vcpu: index, msr: x2apicMsr, ...expect }),
    v.strictObject({ op: v.literal('guest.eoi'), vcpu: index, ...expect }),
    v.strictObject({ op: v.literal('guest.acceptInterrupt'), vcpu: index, ...expect }),
    v.strictObject({
      op: v.literal('guest.ioapicWriteRte'),
      pin: index,
      vector,
      trigger: v.picklist(['edge', 'level'], 'must be "edge" or "level"'),
      masked: v.boolean('must be true or false'),
      dest: apicId,
      ...expect,
    }),
    v.strictObject({ op: v.literal('guest.ioapicEoi'), vector, ...expect }),
    v.strictObject({ op: v.literal('guest.init'), vcpu: index, ...expect }),
    v.strictObject({
      op: v.literal('device.setLine'),
      pin: index,
      level: v.picklist([0, 1], 'must be 0 or 1'),
      ...expect,
    }),
    v.strictObject({ op: v.literal('clock.advance'), ns: uint, ...expect }),
  ],
  'must be a known op',
);

export const traceSchema = v.strictObject({
  format: v.literal(TRACE_FORMAT, `must be "${TRACE_FORMAT}"`),
  profile: v.strictObject({
    kernel: v.string('must be a kernel profile name'),
    vmm: v.string('must be a VMM profile name'),
    guest: v.string('must be a guest profile name'),
  }),
  config: v.strictObject({
    vcpus: v.pipe(
      v.number('must be a number'),
      v.integer(),
      v.minValue(
        CONFIG_LIMITS.vcpus.min,
        `must be from ${CONFIG_LIMITS.vcpus.min} to ${CONFIG_LIMITS.vcpus.max}`,
      ),
      v.maxValue(
        CONFIG_LIMITS.vcpus.max,
        `must be from ${CONFIG_LIMITS.vcpus.min} to ${CONFIG_LIMITS.vcpus.max}`,
      ),
    ),
    pins: v.pipe(
      v.number('must be a number'),
      v.integer(),
      v.minValue(
        CONFIG_LIMITS.pins.min,
        `must be from ${CONFIG_LIMITS.pins.min} to ${CONFIG_LIMITS.pins.max}`,
      ),
      v.maxValue(
        CONFIG_LIMITS.pins.max,
        `must be from ${CONFIG_LIMITS.pins.min} to ${CONFIG_LIMITS.pins.max}`,
      ),
    ),
  }),
  commands: v.array(commandSchema, 'must be a list of commands'),
});

export type ParsedTrace = v.InferOutput<typeof traceSchema>;
