import { MAX_RESERVED_IOAPIC_PINS, MSR } from '../../machines/apic.js';
import {
  type LapicEmitted,
  type LapicEvent,
  lapicMachine,
  SIGNAL,
  wrmsrEvent,
} from '../../machines/lapic.js';
import {
  advertisesSuppressEoiBroadcast,
  CREATE_IRQCHIP,
  type VmEvent,
  vmMachine,
} from '../../machines/vm.js';
import type { Command } from '../model/command.js';
import type { Config } from '../model/config.js';
import { advance } from '../model/drive.js';
import type { LapicSnapshot, ModelState, VmSnapshot } from '../model/state.js';
import type { Row } from './row.js';

/** Vectors the fuzzer uses: two priority classes, enough for nesting and sharing. */
export const FUZZ_VECTORS = [64, 80] as const;
const X2APIC_ARGS = [0, 3, 4, 8, 12, 16] as const;
const SPIV_VALUES = [0x1ff, 0x11ff] as const;

function vcpuIds(state: ModelState): number[] {
  return state.lapics.flatMap((lapic, id) => (lapic === null ? [] : [id]));
}

/** The ioctls the fuzzer issues: capability checks and enables, irqchips, vCPUs, CPUID and LAPIC state. */
export function ioctls(config: Config, vcpus: readonly number[]): Command[] {
  const out: Command[] = [
    { op: 'KVM_CHECK_EXTENSION', fd: 'vm', cap: 'KVM_CAP_X2APIC_API' },
    { op: 'KVM_CREATE_IRQCHIP' },
    { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [config.pins] },
    { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [config.pins - 1] },
    { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [MAX_RESERVED_IOAPIC_PINS + 1] },
    ...X2APIC_ARGS.map((arg): Command => ({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [arg] })),
  ];
  for (let id = 0; id < config.vcpus; id++) out.push({ op: 'KVM_CREATE_VCPU', id });
  for (const vcpu of vcpus) {
    out.push({ op: 'KVM_SET_CPUID2', vcpu, x2apic: true }, { op: 'KVM_SET_CPUID2', vcpu, x2apic: false });
    for (const spiv of SPIV_VALUES) out.push({ op: 'KVM_SET_LAPIC', vcpu, spiv, irr: [], isr: [], tmr: [] });
    out.push({ op: 'KVM_GET_LAPIC', vcpu, reg: 0x30 }, { op: 'KVM_GET_LAPIC', vcpu, reg: 0xf0 });
  }
  return out;
}

function driver(config: Config): Command[] {
  const out: Command[] = [];
  for (let pin = 0; pin < config.pins; pin++) {
    for (const vector of FUZZ_VECTORS) {
      for (let dest = 0; dest < config.vcpus; dest++) {
        out.push({ op: 'guest.ioapicWriteRte', pin, vector, trigger: 'level', masked: false, dest });
        out.push({ op: 'guest.ioapicWriteRte', pin, vector, trigger: 'edge', masked: false, dest });
      }
    }
    out.push({
      op: 'guest.ioapicWriteRte',
      pin,
      vector: FUZZ_VECTORS[0],
      trigger: 'level',
      masked: true,
      dest: 0,
    });
  }
  return out;
}

function guestCpu(vcpus: readonly number[]): Command[] {
  const out: Command[] = [];
  for (const vcpu of vcpus) {
    for (const spiv of SPIV_VALUES) out.push({ op: 'guest.wrmsr', vcpu, msr: MSR.spiv, value: BigInt(spiv) });
    out.push({ op: 'guest.wrmsr', vcpu, msr: MSR.lvr, value: 0n });
    out.push(
      { op: 'guest.rdmsr', vcpu, msr: MSR.lvr },
      { op: 'guest.rdmsr', vcpu, msr: MSR.spiv },
      { op: 'guest.acceptInterrupt', vcpu },
      { op: 'guest.eoi', vcpu },
      { op: 'guest.init', vcpu },
    );
  }
  for (const vector of FUZZ_VECTORS) out.push({ op: 'guest.ioapicEoi', vector });
  return out;
}

function device(config: Config): Command[] {
  const out: Command[] = [];
  for (let pin = 0; pin < config.pins; pin++) {
    out.push({ op: 'device.setLine', pin, level: 1 }, { op: 'device.setLine', pin, level: 0 });
  }
  out.push({ op: 'clock.advance', ns: 1_000_000 });
  return out;
}

/**
 * Every command the fuzzer may issue once the vCPUs `vcpus` exist: ioctls only under the adversarial policy
 * (ordered policies do their setup first), guest CPU commands only for the adversarial guest (a profile guest
 * runs its own program), the guest's driver programming the I/O APIC, and the device.
 */
export function commandsFor(row: Row, vcpus: readonly number[]): Command[] {
  return [
    ...(row.policy === 'adversarial' ? ioctls(row.config, vcpus) : []),
    ...driver(row.config),
    ...(row.guest === 'adversarial' ? guestCpu(vcpus) : []),
    ...device(row.config),
  ];
}

/** The value kept in `cache` for `key`, made and kept on first use. */
function cached<K, V>(
  cache: { get(key: K): V | undefined; set(key: K, value: V): unknown },
  key: K,
  make: () => V,
): V {
  let value = cache.get(key);
  // Stryker disable next-line ConditionalExpression: a cache; making the value again gives an equal one.
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** Alphabets already built, by row and by the vCPUs that exist: the fuzzer asks for one on every step. */
const alphabets = new WeakMap<Row, Map<string, readonly Command[]>>();

/** Every command the fuzzer may issue in this state (the same objects each time for the same vCPUs). */
export function alphabet(state: ModelState, row: Row): readonly Command[] {
  const byVcpus = cached(alphabets, row, () => new Map<string, readonly Command[]>());
  const vcpus = vcpuIds(state);
  return cached(byVcpus, vcpus.join(), () => Object.freeze(commandsFor(row, vcpus)));
}

/** The machine event a command of the alphabet becomes under each `advertise`, frozen once (see SIGNAL). */
const ioctlEvents = new WeakMap<Command, readonly [LapicEvent | VmEvent, LapicEvent | VmEvent]>();

function eventOf<E extends LapicEvent | VmEvent>(
  command: Command,
  advertise: boolean,
  make: (advertise: boolean) => E,
): E {
  const events = cached(
    ioctlEvents,
    command,
    () => [Object.freeze(make(false)) as E, Object.freeze(make(true)) as E] as const,
  );
  return events[advertise ? 1 : 0] as E;
}

/** The VM machine's answer to the event: its ioctl return value. */
function vmRet(vm: VmSnapshot, event: VmEvent): number | undefined {
  return advance(vmMachine, vm, event).emitted.find((e) => e.type === 'ret')?.value;
}

/** What the vCPU's LAPIC machine emits for the event; nothing when the vCPU does not exist. */
function lapicAnswers(lapic: LapicSnapshot | null | undefined, event: LapicEvent): readonly LapicEmitted[] {
  return lapic == null ? [] : advance(lapicMachine, lapic, event).emitted;
}

function lapicRet(lapic: LapicSnapshot | null | undefined, event: LapicEvent): number | undefined {
  return lapicAnswers(lapic, event).find((e) => e.type === 'ret')?.value;
}

/**
 * Whether the machines accept the command in this state, asked of the machines themselves: the VM or LAPIC
 * machine answers 0 (every refusal is itself a modelled transition, so XState's can() is true for all of them),
 * the LAPIC hands over a vector or retires one at EOI, the vCPU is in x2APIC mode for a guest MSR access, a pin
 * holds Remote IRR for the vector, a line actually changes.
 */
export function accepted(state: ModelState, command: Command): boolean {
  const lapic = 'vcpu' in command ? state.lapics[command.vcpu] : undefined;
  const present = lapic != null && lapic.value.apic !== 'absent';
  const advertise = advertisesSuppressEoiBroadcast(state.vm.value);
  switch (command.op) {
    case 'KVM_CREATE_IRQCHIP':
      return vmRet(state.vm, CREATE_IRQCHIP) === 0;
    case 'KVM_ENABLE_CAP':
      return (
        vmRet(
          state.vm,
          command.cap === 'KVM_CAP_SPLIT_IRQCHIP'
            ? { type: 'ENABLE_SPLIT_IRQCHIP', pins: command.args[0] }
            : { type: 'ENABLE_X2APIC_API', flags: command.args[0] },
        ) === 0
      );
    case 'KVM_CREATE_VCPU':
      return (
        vmRet(
          state.vm,
          // Stryker disable next-line BooleanLiteral: KVM_CREATE_VCPU has no advertise; both slots hold one event.
          eventOf(command, false, () => ({ type: 'CREATE_VCPU', id: command.id })),
        ) === 0
      );
    case 'KVM_SET_CPUID2': {
      const cpuid = (advertise: boolean): LapicEvent => ({
        type: 'SET_CPUID2',
        x2apic: command.x2apic,
        advertise,
      });
      return lapicRet(lapic, eventOf(command, advertise, cpuid)) === 0;
    }
    case 'KVM_SET_LAPIC': {
      const { spiv, irr, isr, tmr } = command;
      const restore = (advertise: boolean): LapicEvent => ({
        type: 'SET_LAPIC',
        spiv,
        irr,
        isr,
        tmr,
        advertise,
      });
      return lapicRet(lapic, eventOf(command, advertise, restore)) === 0;
    }
    case 'guest.wrmsr':
    case 'guest.rdmsr':
      return present && lapic.context.x2apic;
    case 'KVM_GET_LAPIC':
      return lapicRet(lapic, SIGNAL.GET_LAPIC) === 0;
    case 'guest.acceptInterrupt': {
      const answer = lapicAnswers(lapic, SIGNAL.ACCEPT).find((e) => e.type === 'accepted');
      return answer !== undefined && answer.vector !== null;
    }
    case 'guest.init':
      return present;
    case 'guest.eoi':
      return lapicAnswers(lapic, wrmsrEvent(MSR.eoi, 0, false, state.vm.value)).some(
        (e) => e.type === 'retired',
      );
    case 'guest.ioapicEoi':
      return state.pins.some((p) => p.context.vector === command.vector && p.value === 'remoteIrrSet');
    case 'device.setLine':
      return state.pins[command.pin]?.context.line !== (command.level === 1);
    default:
      return true;
  }
}
