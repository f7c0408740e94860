import { MSR, UNMODELLED_X2APIC_MSRS } from '../../machines/apic.js';
import type { Command } from '../model/command.js';
import type { Config } from '../model/config.js';

/** The x2APIC registers by MSR, as the SDM names them (vol. 3A, table 11-6); anything else is reserved. */
const X2APIC_NAMES: ReadonlyMap<number, string> = new Map([
  [MSR.id, 'ID'],
  [MSR.lvr, 'LVR'],
  [MSR.tpr, 'TPR'],
  [MSR.ppr, 'PPR'],
  [MSR.eoi, 'EOI'],
  [MSR.ldr, 'LDR'],
  [MSR.spiv, 'SPIV'],
  [MSR.esr, 'ESR'],
  [MSR.selfIpi, 'SELF_IPI'],
  [0x82f, 'LVT CMCI'],
  ...[...UNMODELLED_X2APIC_MSRS].map(([msr, { name }]): [number, string] => [msr, name]),
]);

/** The register an x2APIC MSR names: ISR, TMR and IRR each span eight MSRs. */
export function x2apicRegister(msr: number): string {
  for (const [name, first] of [
    ['ISR', MSR.isr0],
    ['TMR', MSR.tmr0],
    ['IRR', MSR.irr0],
  ] as const)
    if (msr >= first && msr < first + 8) return name;
  return X2APIC_NAMES.get(msr) ?? 'reserved';
}

/**
 * The x2APIC registers the model answers for this access, each with its MSRs (0x800-0x8ff, less the refused ones),
 * by register name: what a differential run draws from and a reach table counts.
 */
export function answeredRegisters(access: 'read' | 'write'): Map<string, number[]> {
  const byRegister = new Map<string, number[]>();
  for (let msr = 0x800; msr <= 0x8ff; msr++)
    if (UNMODELLED_X2APIC_MSRS.get(msr)?.[access] !== true) {
      const name = x2apicRegister(msr);
      byRegister.set(name, [...(byRegister.get(name) ?? []), msr]);
    }
  return byRegister;
}

/** A vector's priority class in hex (the upper nibble), "0x4"; 0x1 is the reserved class the format admits. */
function vectorClass(vector: number): string {
  return `class 0x${(vector >> 4).toString(16)}`;
}

function destination(dest: number, config: Config): string {
  if (dest === 0xff) return 'dest 0xff';
  return dest < config.vcpus ? 'dest a vCPU' : 'dest no vCPU';
}

function flagsArg(flags: number): string {
  return flags <= 0xf ? `flags 0x${flags.toString(16)}` : 'flags above 0xf';
}

function reservedPinsArg(pins: number): string {
  if (pins === 0 || pins === 24) return `${pins} pins`;
  return pins < 24 ? '1-23 pins' : 'over 24 pins';
}

/** The field categories of one command, `op: category` each: what the reach table counts. */
export function categoriesOf(command: Command, config: Config): string[] {
  const op = command.op;
  const of = (...labels: string[]) => labels.map((label) => `${op}: ${label}`);
  switch (command.op) {
    case 'KVM_CHECK_EXTENSION':
      return of(`${command.fd} fd`);
    case 'KVM_ENABLE_CAP':
      return command.cap === 'KVM_CAP_X2APIC_API'
        ? of(`X2APIC_API ${flagsArg(command.args[0])}`)
        : of(`SPLIT_IRQCHIP ${reservedPinsArg(command.args[0])}`);
    case 'KVM_SET_CPUID2':
      return of(command.x2apic ? 'x2APIC' : 'no x2APIC');
    case 'KVM_SET_LAPIC':
      return of(
        `SPIV bit 8 ${command.spiv & 0x100 ? 'set' : 'clear'}`,
        `SPIV bit 12 ${command.spiv & 0x1000 ? 'set' : 'clear'}`,
        ...(['irr', 'isr', 'tmr'] as const)
          .filter((set) => command[set].length > 0)
          .map((set) => `${set} set`),
      );
    case 'KVM_GET_LAPIC':
      return of(
        command.reg === 0x30
          ? 'LVR'
          : command.reg === 0xf0
            ? 'SPIV'
            : x2apicRegister(0x800 + command.reg / 16),
      );
    case 'guest.wrmsr':
      return of(x2apicRegister(command.msr), ...(command.value >> 32n === 0n ? [] : ['bits 63:32 set']));
    case 'guest.rdmsr':
      return of(x2apicRegister(command.msr));
    case 'guest.ioapicWriteRte':
      return of(
        command.pin < 16 ? 'legacy pin (0-15)' : 'pin 16-23',
        destination(command.dest, config),
        command.trigger,
        command.masked ? 'masked' : 'unmasked',
        vectorClass(command.vector),
      );
    case 'guest.ioapicEoi':
      return of(vectorClass(command.vector));
    case 'guest.init':
      return of(command.vcpu === 0 ? 'the BSP' : 'an AP');
    case 'device.setLine':
      return of(`${command.pin < 16 ? 'legacy pin (0-15)' : 'pin 16-23'} to ${command.level}`);
    default:
      return [op];
  }
}

/**
 * Every category of the trace format a differential run (or a kernel-checked corpus) must reach: each op, each
 * X2APIC_API argument 0x0-0xf and above, each SPLIT_IRQCHIP argument class, each x2APIC register the model answers
 * (read and write), each KVM_GET_LAPIC register, each destination, pin, trigger and mask class of an entry, the
 * vector classes a guest uses and the reserved one, INIT of the BSP and of an AP, lines on legacy and upper pins.
 */
export function formatCategories(): string[] {
  const registers = (op: 'guest.rdmsr' | 'guest.wrmsr', access: 'read' | 'write') =>
    [...answeredRegisters(access).keys()].map((name) => `${op}: ${name}`);
  const pins = ['legacy pin (0-15)', 'pin 16-23'];
  return [
    'KVM_CHECK_EXTENSION: system fd',
    'KVM_CHECK_EXTENSION: vm fd',
    'KVM_CREATE_IRQCHIP',
    'KVM_CREATE_VCPU',
    ...Array.from({ length: 16 }, (_, f) => `KVM_ENABLE_CAP: X2APIC_API ${flagsArg(f)}`),
    `KVM_ENABLE_CAP: X2APIC_API ${flagsArg(0x10)}`,
    ...[0, 1, 24, 25].map((n) => `KVM_ENABLE_CAP: SPLIT_IRQCHIP ${reservedPinsArg(n)}`),
    'KVM_SET_CPUID2: x2APIC',
    'KVM_SET_CPUID2: no x2APIC',
    ...['8', '12'].flatMap((bit) => ['set', 'clear'].map((is) => `KVM_SET_LAPIC: SPIV bit ${bit} ${is}`)),
    ...['irr', 'isr', 'tmr'].map((set) => `KVM_SET_LAPIC: ${set} set`),
    ...['LVR', 'SPIV', 'ISR', 'TMR', 'IRR'].map((reg) => `KVM_GET_LAPIC: ${reg}`),
    ...registers('guest.rdmsr', 'read'),
    ...registers('guest.wrmsr', 'write'),
    'guest.wrmsr: bits 63:32 set',
    ...[...pins, 'dest a vCPU', 'dest 0xff', 'dest no vCPU', 'edge', 'level', 'masked', 'unmasked'].map(
      (label) => `guest.ioapicWriteRte: ${label}`,
    ),
    ...[0x10, 0x20, 0x40, 0x80, 0xe0, 0xf0].map((vector) => `guest.ioapicWriteRte: ${vectorClass(vector)}`),
    'guest.ioapicEoi: class 0x4',
    'guest.init: the BSP',
    'guest.init: an AP',
    ...pins.flatMap((pin) => [0, 1].map((level) => `device.setLine: ${pin} to ${level}`)),
    'guest.eoi',
    'guest.acceptInterrupt',
    'clock.advance',
    ...[1, 2, 3].map((n) => `config: ${n} vCPU(s)`),
    'config: in-kernel irqchip first',
    'config: split irqchip or none first',
  ];
}

/** The categories of a trace's config and of the commands the kernel ran. */
export function traceCategories(commands: readonly Command[], config: Config): Set<string> {
  const irqchip = commands.find((c) => c.op === 'KVM_CREATE_IRQCHIP' || c.op === 'KVM_ENABLE_CAP');
  return new Set([
    `config: ${config.vcpus} vCPU(s)`,
    `config: ${irqchip?.op === 'KVM_CREATE_IRQCHIP' ? 'in-kernel irqchip first' : 'split irqchip or none first'}`,
    ...commands.flatMap((command) => categoriesOf(command, config)),
  ]);
}

/** The reach table as lines: one per op (or config), its categories in order, each with its count. */
export function reachLines(reach: ReadonlyMap<string, number>): string[] {
  const byOp = new Map<string, string[]>();
  for (const category of [...reach.keys()].sort()) {
    const [op, label] = category.includes(': ') ? category.split(': ', 2) : [category, ''];
    const entry = `${label === '' ? '' : `${label} `}${reach.get(category)}`;
    byOp.set(op as string, [...(byOp.get(op as string) ?? []), entry]);
  }
  return [...byOp].map(([op, entries]) => `${op}: ${entries.join(' · ')}`);
}
