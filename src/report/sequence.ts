import type { Violation } from '../invariants/index.js';
import type { Command } from '../model/command.js';
import type { Observation } from '../model/observation.js';

/** The lanes of a counterexample's sequence diagram, left to right. */
export const LANES = ['guest', 'LAPIC', 'KVM', 'VMM I/O APIC'] as const;

export type Lane = (typeof LANES)[number];

/** One arrow of the diagram (`from === to` is a note on that lane). */
export interface Arrow {
  /** Where it starts. */
  from: Lane;
  /** Where it ends. */
  to: Lane;
  /** What it says. */
  label: string;
  /** Index of the trace command it belongs to. */
  index: number;
  /** Which guest reaction of that command, or null for the command itself. */
  reaction: number | null;
  /** It belongs to the step that violated an invariant. */
  violating: boolean;
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

function commandArrows(command: Command): Omit<Arrow, 'index' | 'reaction' | 'violating'>[] {
  switch (command.op) {
    case 'KVM_CHECK_EXTENSION':
      return [{ from: 'VMM I/O APIC', to: 'KVM', label: `CHECK_EXTENSION(${command.fd})` }];
    case 'KVM_CREATE_IRQCHIP':
      return [{ from: 'VMM I/O APIC', to: 'KVM', label: 'CREATE_IRQCHIP' }];
    case 'KVM_ENABLE_CAP':
      return [
        {
          from: 'VMM I/O APIC',
          to: 'KVM',
          label: `ENABLE_CAP(${command.cap.replace('KVM_CAP_', '')}, ${command.args[0]})`,
        },
      ];
    case 'KVM_CREATE_VCPU':
      return [{ from: 'VMM I/O APIC', to: 'KVM', label: `CREATE_VCPU(${command.id})` }];
    case 'KVM_SET_CPUID2':
      return [
        {
          from: 'VMM I/O APIC',
          to: 'KVM',
          label: `SET_CPUID2(vcpu ${command.vcpu}, x2apic ${command.x2apic})`,
        },
      ];
    case 'KVM_SET_LAPIC':
      return [
        {
          from: 'VMM I/O APIC',
          to: 'KVM',
          label: `SET_LAPIC(vcpu ${command.vcpu}, spiv ${hex(command.spiv)})`,
        },
      ];
    case 'KVM_GET_LAPIC':
      return [
        {
          from: 'VMM I/O APIC',
          to: 'KVM',
          label: `GET_LAPIC(vcpu ${command.vcpu}, reg ${hex(command.reg)})`,
        },
      ];
    case 'guest.wrmsr':
      return [{ from: 'guest', to: 'LAPIC', label: `wrmsr ${hex(command.msr)} = ${hex(command.value)}` }];
    case 'guest.rdmsr':
      return [{ from: 'guest', to: 'LAPIC', label: `rdmsr ${hex(command.msr)}` }];
    case 'guest.eoi':
      return [{ from: 'guest', to: 'LAPIC', label: 'EOI' }];
    case 'guest.acceptInterrupt':
      return [{ from: 'guest', to: 'LAPIC', label: 'sti; hlt' }];
    case 'guest.init':
      return [{ from: 'LAPIC', to: 'LAPIC', label: `INIT (vcpu ${command.vcpu})` }];
    case 'guest.ioapicWriteRte':
      return [
        {
          from: 'guest',
          to: 'VMM I/O APIC',
          label: `RTE ${command.pin} = vector ${command.vector}, ${command.trigger}${command.masked ? ', masked' : ''}`,
        },
      ];
    case 'guest.ioapicEoi':
      return [{ from: 'guest', to: 'VMM I/O APIC', label: `I/O APIC EOI ${command.vector}` }];
    case 'device.setLine':
      return [
        { from: 'VMM I/O APIC', to: 'VMM I/O APIC', label: `device: line ${command.pin} = ${command.level}` },
      ];
    case 'clock.advance':
      return [{ from: 'KVM', to: 'KVM', label: `clock +${command.ns} ns` }];
  }
}

function observationArrows(
  command: Command,
  observed: Observation,
): Omit<Arrow, 'index' | 'reaction' | 'violating'>[] {
  const arrows: Omit<Arrow, 'index' | 'reaction' | 'violating'>[] = [];
  if (observed.ret !== undefined)
    arrows.push({ from: 'KVM', to: 'VMM I/O APIC', label: `ret ${observed.ret}` });
  if (observed.fault !== undefined) arrows.push({ from: 'LAPIC', to: 'guest', label: '#GP' });
  if (observed.value !== undefined && command.op === 'guest.rdmsr') {
    arrows.push({ from: 'LAPIC', to: 'guest', label: hex(observed.value) });
  }
  if (observed.value !== undefined && command.op === 'KVM_GET_LAPIC') {
    arrows.push({ from: 'KVM', to: 'VMM I/O APIC', label: `value ${hex(observed.value)}` });
  }
  for (const vector of observed.exits ?? []) {
    arrows.push({ from: 'KVM', to: 'VMM I/O APIC', label: `KVM_EXIT_IOAPIC_EOI ${vector}` });
  }
  for (const vector of observed.deliveries ?? []) {
    arrows.push({ from: 'VMM I/O APIC', to: 'LAPIC', label: `deliver ${vector}` });
  }
  if (observed.vector !== undefined) {
    arrows.push({
      from: 'LAPIC',
      to: 'guest',
      label: observed.vector === null ? 'nothing' : `interrupt ${observed.vector}`,
    });
  }
  return arrows;
}

/** The arrows of a trace run: each command, its observation, then each guest reaction and its observation. */
export function sequenceOf(
  commands: readonly Command[],
  observations: readonly Observation[],
  violation?: Pick<Violation, 'index' | 'reaction'>,
): Arrow[] {
  return commands.flatMap((command, index) => {
    const observed = observations[index] ?? {};
    const mark = (reaction: number | null) => (arrow: Omit<Arrow, 'index' | 'reaction' | 'violating'>) => ({
      ...arrow,
      index,
      reaction,
      violating: violation?.index === index && violation.reaction === reaction,
    });
    return [
      ...[...commandArrows(command), ...observationArrows(command, { ...observed, reactions: [] })].map(
        mark(null),
      ),
      ...(observed.reactions ?? []).flatMap((reaction, k) =>
        [...commandArrows(reaction.command), ...observationArrows(reaction.command, reaction.observed)].map(
          mark(k),
        ),
      ),
    ];
  });
}
