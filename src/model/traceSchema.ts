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

/** `expect` of a command: any subset of an observation, plus a mask for `value`. */
export const expectationSchema = v.strictObject(
  {
    /** The ioctl's return: the capability value for KVM_CHECK_EXTENSION, else 0 or a negative errno. */
    ret: v.optional(v.pipe(v.number(), v.integer('must be an integer'))),
    /** A register read (guest.rdmsr, KVM_GET_LAPIC). */
    value: v.optional(u32),
    /** Compare `value` only under this mask. */
    mask: v.optional(u32),
    /** The vector guest.acceptInterrupt took, or null when nothing was deliverable. */
    vector: v.optional(v.nullable(vector)),
    /** KVM_EXIT_IOAPIC_EOI vectors the command caused. */
    exits: v.optional(vectorList),
    /** Vectors latched into a LAPIC's IRR as a consequence of the command. */
    deliveries: v.optional(vectorList),
    /** '#GP': the guest instruction faults; null: it does not fault. */
    fault: v.optional(v.nullable(v.literal('#GP', 'must be "#GP" or null (no fault)'))),
    /** The guest program's reactions, kept as JSON and compared in canonical form. */
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
const expect = {
  /** What the command must observe; checked by replay, filled in by --record. */
  expect: v.optional(v.pipe(notArray, expectationSchema)),
};

/** One trace command: an ioctl, a guest instruction, a device line or the clock. */
export const commandSchema = v.variant(
  'op',
  [
    /** KVM_CHECK_EXTENSION(KVM_CAP_X2APIC_API) on the system fd or the VM fd. */
    v.strictObject({
      op: v.literal('KVM_CHECK_EXTENSION'),
      /** Which file descriptor is asked. */
      fd: v.picklist(['system', 'vm'], 'must be "system" or "vm"'),
      /** The capability asked about. */
      cap: v.literal('KVM_CAP_X2APIC_API', 'must be "KVM_CAP_X2APIC_API"'),
      ...expect,
    }),
    /** KVM_CREATE_IRQCHIP: in-kernel PIC, I/O APIC and LAPICs. */
    v.strictObject({ op: v.literal('KVM_CREATE_IRQCHIP'), ...expect }),
    /** KVM_ENABLE_CAP on the VM fd. */
    v.strictObject({
      op: v.literal('KVM_ENABLE_CAP'),
      /** Capability: split irqchip (args[0] = reserved I/O APIC pins) or X2APIC_API (args[0] = flags). */
      cap: v.picklist(
        ['KVM_CAP_SPLIT_IRQCHIP', 'KVM_CAP_X2APIC_API'],
        'must be "KVM_CAP_SPLIT_IRQCHIP" or "KVM_CAP_X2APIC_API"',
      ),
      /** args[0]. */
      args: v.strictTuple([uint], 'must be a one-element list [args0]'),
      ...expect,
    }),
    /** KVM_CREATE_VCPU; its id is also its APIC ID. */
    v.strictObject({ op: v.literal('KVM_CREATE_VCPU'), id: index, ...expect }),
    /** KVM_SET_CPUID2 with or without the x2APIC feature bit (CPUID.1:ECX.x2APIC). */
    v.strictObject({
      op: v.literal('KVM_SET_CPUID2'),
      vcpu: index,
      x2apic: v.boolean('must be true or false'),
      ...expect,
    }),
    /** KVM_SET_LAPIC: replaces the LAPIC register page (LVR is ignored and recomputed). */
    v.strictObject({
      op: v.literal('KVM_SET_LAPIC'),
      vcpu: index,
      /** SPIV, stored raw (bit 12 included). */
      spiv: u32,
      /** Vectors set in IRR. */
      irr: v.optional(vectorList, []),
      /** Vectors set in ISR. */
      isr: v.optional(vectorList, []),
      /** Vectors set in TMR. */
      tmr: v.optional(vectorList, []),
      ...expect,
    }),
    /** KVM_GET_LAPIC, observing one 32-bit register of the page (an xAPIC register offset). */
    v.strictObject({ op: v.literal('KVM_GET_LAPIC'), vcpu: index, reg: lapicReg, ...expect }),
    /** Guest WRMSR to an x2APIC register; bits 63:32 set raise #GP. */
    v.strictObject({ op: v.literal('guest.wrmsr'), vcpu: index, msr: x2apicMsr, value: u64, ...expect }),
    /** Guest RDMSR of an x2APIC register. */
    v.strictObject({ op: v.literal('guest.rdmsr'), vcpu: index, msr: x2apicMsr, ...expect }),
    /** Guest LAPIC EOI: WRMSR(0x80b, 0). */
    v.strictObject({ op: v.literal('guest.eoi'), vcpu: index, ...expect }),
    /** The guest opens its interrupt window (sti; hlt) and takes the highest deliverable vector, if any. */
    v.strictObject({ op: v.literal('guest.acceptInterrupt'), vcpu: index, ...expect }),
    /** Guest write of an I/O APIC redirection entry. */
    v.strictObject({
      op: v.literal('guest.ioapicWriteRte'),
      pin: index,
      vector,
      trigger: v.picklist(['edge', 'level'], 'must be "edge" or "level"'),
      masked: v.boolean('must be true or false'),
      /** Destination APIC ID (physical mode). */
      dest: apicId,
      ...expect,
    }),
    /** Guest write of the I/O APIC EOI register (offset 0x40; ignored by version 0x11). */
    v.strictObject({ op: v.literal('guest.ioapicEoi'), vector, ...expect }),
    /** An INIT delivered to the vCPU (from another vCPU's IPI): kvm_lapic_reset(init_event). */
    v.strictObject({ op: v.literal('guest.init'), vcpu: index, ...expect }),
    /** The device raises (1) or lowers (0) its interrupt line. */
    v.strictObject({
      op: v.literal('device.setLine'),
      pin: index,
      level: v.picklist([0, 1], 'must be 0 or 1'),
      ...expect,
    }),
    /** Deterministic time passes, in nanoseconds. */
    v.strictObject({ op: v.literal('clock.advance'), ns: uint, ...expect }),
  ],
  'must be a known op',
);

/** One seoib-trace/1 file: the profiles, the bounded machine and the commands. */
export const traceSchema = v.strictObject({
  /** Always "seoib-trace/1". */
  format: v.literal(TRACE_FORMAT, `must be "${TRACE_FORMAT}"`),
  /** Kernel, VMM and guest profile names. */
  profile: v.strictObject({
    kernel: v.string('must be a kernel profile name'),
    vmm: v.string('must be a VMM profile name'),
    guest: v.string('must be a guest profile name'),
  }),
  /** vCPU and pin bounds. */
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
  /** Commands in order. */
  commands: v.array(commandSchema, 'must be a list of commands'),
});
