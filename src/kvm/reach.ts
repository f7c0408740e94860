import { MSR, UNMODELLED_X2APIC_MSRS } from '../../machines/apic.js';
import type { Command } from '../model/command.js';
import type { Config } from '../model/config.js';

/** The x2APIC registers by MSR, as the SDM names them (vol. 3A, table 11-6); anything else is reserved. */
const X2APIC_NAMES: ReadonlyMap<number, string> = new Map([
  [MSR.id, 'ID'],
  [MSR.lvr, 'LVR'],
  [MSR.eoi, 'EOI'],
  [MSR.spiv, 'SPIV'],
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
