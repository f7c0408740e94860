import fc from 'fast-check';
import { FIRST_VECTOR, LAPIC_REG, MAX_RESERVED_IOAPIC_PINS, MSR } from '../../machines/apic.js';
import { type Command, type IoapicWriteRte, isIoctl } from '../model/command.js';
import { CONFIG_LIMITS, type Config } from '../model/config.js';
import type { Trace } from '../model/trace.js';
import { TRACE_FORMAT } from '../model/traceSchema.js';
import { answeredRegisters } from './reach.js';

/** The VMM profiles the kernel is driven with in split mode. */
const DIFF_VMMS = ['ioapic-0x11', 'ioapic-0x20'] as const;

/** vCPUs of a differential trace: the runner's guest runs on every vCPU at once, so a few. */
const MAX_DIFF_VCPUS = 3;

/** Creates each vCPU just before the first command that names it, unless the trace created it already. */
function withCreatedVcpus(commands: readonly Command[]): Command[] {
  const created = new Set<number>();
  return commands.flatMap((command): Command[] => {
    if (command.op === 'KVM_CREATE_VCPU') created.add(command.id);
    if (!('vcpu' in command) || created.has(command.vcpu)) return [command];
    created.add(command.vcpu);
    return [{ op: 'KVM_CREATE_VCPU', id: command.vcpu }, command];
  });
}

/**
 * What one trace draws its commands from: the bounds, and a few pins and vectors most commands name, so that lines
 * meet their entries and EOIs their deliveries.
 */
interface Shape {
  config: Config;
  pins: number[];
  vectors: number[];
}

/** A vector in one of several priority classes, the reserved 16-31 included. */
const anyVector = fc.oneof(
  fc.integer({ min: 0x20, max: 0x2f }),
  fc.integer({ min: 0x40, max: 0x4f }),
  fc.integer({ min: 0x80, max: 0x8f }),
  fc.integer({ min: 0xe0, max: 0xff }),
  fc.integer({ min: 16, max: 255 }),
);

const shape: fc.Arbitrary<Shape> = fc
  .record({
    vcpus: fc.integer({ min: 1, max: MAX_DIFF_VCPUS }),
    pins: fc.oneof(fc.constant(CONFIG_LIMITS.pins.max), fc.integer({ min: 1, max: CONFIG_LIMITS.pins.max })),
  })
  .chain((config) =>
    fc.record({
      config: fc.constant(config),
      pins: fc.uniqueArray(fc.integer({ min: 0, max: config.pins - 1 }), { minLength: 1, maxLength: 2 }),
      vectors: fc.uniqueArray(anyVector, { minLength: 1, maxLength: 3 }),
    }),
  );

/** Every KVM_CAP_X2APIC_API argument 0x0-0xf, and now and then one with a bit KVM does not define. */
const x2apicFlags = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 0xf }), weight: 8 },
  { arbitrary: fc.integer({ min: 0x10, max: 0xffff_ffff }), weight: 1 },
);

/** KVM_CAP_SPLIT_IRQCHIP's reserved pins: the config's, none, any below 24, and past what KVM takes. */
function reservedPins(config: Config): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.constant(config.pins), weight: 4 },
    { arbitrary: fc.constant(0), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 24 }), weight: 2 },
    { arbitrary: fc.integer({ min: 25, max: MAX_RESERVED_IOAPIC_PINS + 1 }), weight: 1 },
  );
}

/** A 32-bit register value: the SPIV values guests write, and anything. */
const u32 = fc.oneof(
  fc.constantFrom(0, 0xff, 0x1ff, 0x11ff, 0x10ff, 0x3ff),
  fc.integer({ min: 0, max: 0xffff_ffff }),
);

/**
 * Every x2APIC MSR the format admits and the model answers for this access, drawn register by register (ISR is one
 * register of eight MSRs, the reserved MSRs one more), so that each register comes up as often as any other.
 */
function msrArbitrary(access: 'read' | 'write'): fc.Arbitrary<number> {
  return fc.constantFrom(...answeredRegisters(access).values()).chain((msrs) => fc.constantFrom(...msrs));
}
const READABLE = msrArbitrary('read');
const WRITABLE = msrArbitrary('write');

/**
 * The write with a value the model answers (findReferenceError() refuses the others): TPR without bits 3:0 (which
 * the backend decides), SELF_IPI of a vector from FIRST_VECTOR; every other value as drawn.
 */
function modelledWrite(
  write: Extract<Command, { op: 'guest.wrmsr' }>,
): Extract<Command, { op: 'guest.wrmsr' }> {
  if (write.msr === MSR.tpr) return { ...write, value: write.value & ~0xfn };
  const first = BigInt(FIRST_VECTOR);
  if (write.msr === MSR.selfIpi && write.value < first) return { ...write, value: write.value + first };
  return write;
}

/** Every KVM_GET_LAPIC offset the format admits. */
const LAPIC_REGS = [
  LAPIC_REG.lvr,
  LAPIC_REG.spiv,
  ...[LAPIC_REG.isr0, LAPIC_REG.tmr0, LAPIC_REG.irr0].flatMap((base) =>
    Array.from({ length: 8 }, (_, i) => base + 0x10 * i),
  ),
];

/** Every op, each field drawn over what the format admits, within the trace's shape. */
function commandOf({ config, pins, vectors }: Shape) {
  const vcpu = fc.integer({ min: 0, max: config.vcpus - 1 });
  const pin = fc.oneof(
    { arbitrary: fc.constantFrom(...pins), weight: 6 },
    { arbitrary: fc.integer({ min: 0, max: config.pins - 1 }), weight: 1 },
  );
  const vector = fc.oneof(
    { arbitrary: fc.constantFrom(...vectors), weight: 6 },
    { arbitrary: anyVector, weight: 1 },
  );
  const vectorSet = fc.uniqueArray(vector, { maxLength: 3 });
  const dest = fc.oneof(
    { arbitrary: vcpu, weight: 6 },
    { arbitrary: fc.constant(0xff), weight: 2 },
    { arbitrary: fc.integer({ min: config.vcpus, max: 0xfe }), weight: 1 },
  );
  return {
    checkExtension: fc.record({
      op: fc.constant('KVM_CHECK_EXTENSION' as const),
      fd: fc.constantFrom('system' as const, 'vm' as const),
      cap: fc.constant('KVM_CAP_X2APIC_API' as const),
    }),
    createIrqchip: fc.constant({ op: 'KVM_CREATE_IRQCHIP' as const }),
    x2apicApi: x2apicFlags.map((flags) => ({
      op: 'KVM_ENABLE_CAP' as const,
      cap: 'KVM_CAP_X2APIC_API' as const,
      args: [flags] as [number],
    })),
    splitIrqchip: reservedPins(config).map((pins) => ({
      op: 'KVM_ENABLE_CAP' as const,
      cap: 'KVM_CAP_SPLIT_IRQCHIP' as const,
      args: [pins] as [number],
    })),
    createVcpu: vcpu.map((id) => ({ op: 'KVM_CREATE_VCPU' as const, id })),
    setCpuid: fc.record({ op: fc.constant('KVM_SET_CPUID2' as const), vcpu, x2apic: fc.boolean() }),
    setLapic: fc.record({
      op: fc.constant('KVM_SET_LAPIC' as const),
      vcpu,
      spiv: u32,
      irr: vectorSet,
      isr: vectorSet,
      tmr: vectorSet,
    }),
    getLapic: fc.record({
      op: fc.constant('KVM_GET_LAPIC' as const),
      vcpu,
      reg: fc.constantFrom(...LAPIC_REGS),
    }),
    wrmsr: fc
      .record({
        op: fc.constant('guest.wrmsr' as const),
        vcpu,
        msr: fc.oneof({ arbitrary: fc.constant(MSR.spiv), weight: 1 }, { arbitrary: WRITABLE, weight: 3 }),
        value: fc.oneof(
          { arbitrary: u32.map(BigInt), weight: 8 },
          { arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), weight: 1 },
        ),
      })
      .map(modelledWrite),
    rdmsr: fc.record({ op: fc.constant('guest.rdmsr' as const), vcpu, msr: READABLE }),
    eoi: fc.record({ op: fc.constant('guest.eoi' as const), vcpu }),
    accept: fc.record({ op: fc.constant('guest.acceptInterrupt' as const), vcpu }),
    writeRte: fc.record({
      op: fc.constant('guest.ioapicWriteRte' as const),
      pin,
      vector,
      trigger: fc.constantFrom('edge' as const, 'level' as const),
      masked: fc.oneof(
        { arbitrary: fc.constant(false), weight: 3 },
        { arbitrary: fc.constant(true), weight: 1 },
      ),
      dest,
    }),
    ioapicEoi: fc.record({ op: fc.constant('guest.ioapicEoi' as const), vector }),
    init: fc.record({ op: fc.constant('guest.init' as const), vcpu }),
    setLine: fc.record({
      op: fc.constant('device.setLine' as const),
      pin,
      level: fc.constantFrom(0 as const, 1 as const),
    }),
    clock: fc.record({ op: fc.constant('clock.advance' as const), ns: fc.nat() }),
  };
}

/**
 * One interrupt round, the way a device and its driver go through it: the entry written unmasked, the line raised,
 * the destination (or vCPU 0 for another destination) taking the interrupt and EOIing it, the line lowered.
 */
function interruptRound(entry: fc.Arbitrary<IoapicWriteRte>, config: Config): fc.Arbitrary<Command[]> {
  return entry.map((rte): Command[] => {
    const vcpu = rte.dest < config.vcpus ? rte.dest : 0;
    return [
      { ...rte, masked: false },
      { op: 'device.setLine', pin: rte.pin, level: 1 },
      { op: 'guest.acceptInterrupt', vcpu },
      { op: 'guest.eoi', vcpu },
      { op: 'device.setLine', pin: rte.pin, level: 0 },
    ];
  });
}

/**
 * A VM whose guest can take interrupts: an irqchip (split, or in-kernel), maybe an X2APIC_API argument, every vCPU
 * with x2APIC in CPUID and its APIC software-enabled, with or without SPIV bit 12. Without it random traces rarely
 * get as far as an EOI.
 */
function bootedVm({ config }: Shape): fc.Arbitrary<Command[]> {
  return fc
    .record({
      split: fc.boolean(),
      flags: fc.option(x2apicFlags, { freq: 3 }),
      spiv: fc.constantFrom(0x1ff, 0x11ff),
    })
    .map(({ split, flags, spiv }) => {
      const vcpus = Array.from({ length: config.vcpus }, (_, id) => id);
      return [
        split
          ? { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [config.pins] }
          : { op: 'KVM_CREATE_IRQCHIP' },
        ...(flags === null ? [] : [{ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [flags] }]),
        ...vcpus.map((id) => ({ op: 'KVM_CREATE_VCPU', id })),
        ...vcpus.map((vcpu) => ({ op: 'KVM_SET_CPUID2', vcpu, x2apic: true })),
        ...vcpus.map((vcpu) => ({ op: 'guest.wrmsr', vcpu, msr: MSR.spiv, value: BigInt(spiv) })),
      ] as Command[];
    });
}

/**
 * Random traces over the whole trace format for an adversarial VMM and guest, for the kernel profile the kernel is
 * compared with: 1-3 vCPUs, up to 24 pins, both irqchips, every X2APIC_API and SPLIT_IRQCHIP argument class, every
 * x2APIC MSR the model answers (read and write), every KVM_GET_LAPIC register, redirection entries on every pin to
 * every destination class (a vCPU, 0xff, an ID of no vCPU), edge and level, masked and not, vectors of several
 * priority classes; most of them after a booted VM's setup and weighted towards the guest, so that random traces
 * reach interrupts and EOIs. With `ioctlsOnly`, the ioctls
 * alone, for a kernel whose guest commands do not compare (GuestFidelity). Shrinking removes and simplifies commands.
 */
export function kernelTraceArbitrary(
  kernel: string,
  maxCommands: number,
  ioctlsOnly = false,
): fc.Arbitrary<Trace> {
  return shape.chain((drawn) => {
    const c = commandOf(drawn);
    const ioctl = fc.oneof(
      c.checkExtension,
      c.createIrqchip,
      c.x2apicApi,
      c.splitIrqchip,
      c.createVcpu,
      c.setCpuid,
      c.setLapic,
      c.getLapic,
    ) as fc.Arbitrary<Command>;
    const single: fc.Arbitrary<Command[]> = (
      ioctlsOnly
        ? ioctl
        : (fc.oneof(
            { arbitrary: ioctl, weight: 2 },
            { arbitrary: c.writeRte, weight: 3 },
            { arbitrary: fc.oneof(c.accept, c.eoi), weight: 4 },
            { arbitrary: fc.oneof(c.wrmsr, c.rdmsr), weight: 3 },
            { arbitrary: fc.oneof(c.ioapicEoi, c.init), weight: 1 },
            { arbitrary: fc.oneof(c.setLine, c.clock), weight: 3 },
          ) as fc.Arbitrary<Command>)
    ).map((one) => [one]);
    const step = ioctlsOnly
      ? single
      : fc.oneof(
          { arbitrary: single, weight: 4 },
          { arbitrary: interruptRound(c.writeRte, drawn.config), weight: 1 },
        );
    return fc
      .tuple(
        fc.constantFrom(...DIFF_VMMS),
        fc.option(
          bootedVm(drawn).map((setup) => setup.filter((s) => !ioctlsOnly || isIoctl(s))),
          { freq: 4 },
        ),
        fc
          .array(step, { minLength: 1, maxLength: maxCommands, size: 'max' })
          .map((steps) => steps.flat().slice(0, maxCommands)),
      )
      .map(
        ([vmm, setup, commands]): Trace => ({
          format: TRACE_FORMAT,
          profile: { kernel, vmm, guest: 'adversarial' },
          config: drawn.config,
          commands: withCreatedVcpus([...(setup ?? []), ...commands]),
        }),
      );
  });
}
