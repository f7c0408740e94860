import { MSR } from '../../machines/apic.js';
import {
  eoiEvent,
  RTE_WRITE_ORDER,
  type Rte,
  SET_LINE,
  withHalf,
  writeRteEvent,
} from '../../machines/ioapicPin.js';
import type { LapicEmitted } from '../../machines/lapic.js';
import { readLapicRegister, readMsr, SIGNAL, wrmsrEvent } from '../../machines/lapic.js';
import { advertisesSuppressEoiBroadcast, CREATE_IRQCHIP } from '../../machines/vm.js';
import { type Command, isIoctl } from './command.js';
import { GUESTS } from './guests/index.js';
import { type Flow, openFlow, sendToEveryPin, sendToLapic, sendToPin, sendToVm } from './interruptFlow.js';
import type { Observation, Reaction } from './observation.js';
import { copyState, type ModelState, replaceAt } from './state.js';
import { enterGuest, ioapicWriter } from './vcpuEntry.js';

/** The guest program may issue at most this many commands after one trace command; more means a storm. */
export const MAX_REACTIONS = 32;

/** One command as executed: the trace's command or one of the guest's reactions. */
export interface Executed {
  /** The command. */
  command: Command;
  /** State before it. */
  before: ModelState;
  /** State after it (before any later reaction). */
  after: ModelState;
  /** What it did, without reactions. */
  observation: Observation;
  /** Pins whose Remote IRR an EOI cleared during it (a re-delivery may have set it again). */
  eoiedPins: readonly number[];
}

/** A step's result: the next state and what the command (and the guest's reactions) observably did. */
export interface StepResult {
  /** State after the command and the guest's reactions. */
  state: ModelState;
  /** Observation in the shape of `expect`. */
  observation: Observation;
  /** The trace command, then each reaction, as executed. */
  executed: Executed[];
}

function retOf(emitted: readonly LapicEmitted[]): number {
  for (const e of emitted) if (e.type === 'ret') return e.value;
  return 0;
}

function lapicOf(state: ModelState, vcpu: number) {
  const lapic = state.lapics[vcpu];
  if (lapic == null) throw new Error(`vCPU ${vcpu} does not exist`);
  return lapic;
}

function advertise(flow: Flow): boolean {
  return advertisesSuppressEoiBroadcast(flow.state.vm.value);
}

function ioctl(flow: Flow, command: Command): Observation {
  switch (command.op) {
    case 'KVM_CHECK_EXTENSION':
      return { ret: sendToVm(flow, { type: 'CHECK_EXTENSION', fd: command.fd }) };
    case 'KVM_CREATE_IRQCHIP':
      return { ret: sendToVm(flow, CREATE_IRQCHIP) };
    case 'KVM_ENABLE_CAP': {
      const [arg] = command.args;
      const ret =
        command.cap === 'KVM_CAP_SPLIT_IRQCHIP'
          ? sendToVm(flow, { type: 'ENABLE_SPLIT_IRQCHIP', pins: arg })
          : sendToVm(flow, { type: 'ENABLE_X2APIC_API', flags: arg });
      return { ret };
    }
    case 'KVM_CREATE_VCPU':
      return { ret: sendToVm(flow, { type: 'CREATE_VCPU', id: command.id }) };
    case 'KVM_SET_CPUID2':
      lapicOf(flow.state, command.vcpu);
      return {
        ret: retOf(
          sendToLapic(flow, command.vcpu, {
            type: 'SET_CPUID2',
            x2apic: command.x2apic,
            advertise: advertise(flow),
          }),
        ),
      };
    case 'KVM_SET_LAPIC': {
      lapicOf(flow.state, command.vcpu);
      const { spiv, irr, isr, tmr } = command;
      const emitted = sendToLapic(flow, command.vcpu, {
        type: 'SET_LAPIC',
        spiv,
        irr,
        isr,
        tmr,
        advertise: advertise(flow),
      });
      return { ret: retOf(emitted) };
    }
    case 'KVM_GET_LAPIC': {
      const lapic = lapicOf(flow.state, command.vcpu);
      const ret = retOf(sendToLapic(flow, command.vcpu, SIGNAL.GET_LAPIC));
      if (ret !== 0) return { ret };
      return { ret, value: readLapicRegister(lapic.value, lapic.context, command.reg) ?? 0 };
    }
    default:
      throw new Error(`not an ioctl: ${command.op}`);
  }
}

function faultOf(emitted: readonly LapicEmitted[]): Observation {
  return emitted.some((e) => e.type === 'fault') ? { fault: '#GP' } : {};
}

function wrmsr(flow: Flow, vcpu: number, msr: number, value: bigint): Observation {
  const event = wrmsrEvent(msr, Number(value & 0xffff_ffffn), value > 0xffff_ffffn, flow.state.vm.value);
  return faultOf(sendToLapic(flow, vcpu, event));
}

/** Guest, device and clock commands; returns the op-specific part of the observation, a new object each time. */
function guestAction(flow: Flow, command: Command): Observation {
  if ('vcpu' in command) {
    lapicOf(flow.state, command.vcpu);
    enterGuest(flow, command.vcpu);
  }
  switch (command.op) {
    case 'guest.wrmsr':
      return wrmsr(flow, command.vcpu, command.msr, command.value);
    case 'guest.eoi':
      return wrmsr(flow, command.vcpu, MSR.eoi, 0n);
    case 'guest.rdmsr': {
      const lapic = lapicOf(flow.state, command.vcpu);
      const value = readMsr(lapic.value, lapic.context, command.msr);
      return value === 'fault' ? { fault: '#GP' } : { value };
    }
    case 'guest.acceptInterrupt': {
      const emitted = sendToLapic(flow, command.vcpu, SIGNAL.ACCEPT);
      const accepted = emitted.find((e) => e.type === 'accepted');
      return { vector: accepted?.vector ?? null };
    }
    case 'guest.ioapicWriteRte': {
      const old = flow.state.pins[command.pin]?.context;
      if (old === undefined) return {};
      const writer = ioapicWriter(flow.state);
      if (writer !== undefined) enterGuest(flow, writer);
      let entry: Rte = old;
      for (const half of RTE_WRITE_ORDER) {
        entry = withHalf(entry, command, half);
        sendToPin(flow, command.pin, writeRteEvent(entry));
        if (writer !== undefined) enterGuest(flow, writer);
      }
      return {};
    }
    case 'guest.ioapicEoi': {
      const writer = ioapicWriter(flow.state);
      if (writer !== undefined) enterGuest(flow, writer);
      sendToEveryPin(flow, eoiEvent(command.vector, 'register'));
      return {};
    }
    case 'guest.init':
      sendToLapic(flow, command.vcpu, { type: 'INIT', advertise: advertise(flow) });
      flow.state.guest = replaceAt(flow.state.guest, command.vcpu, { phase: 'off' });
      return {};
    case 'device.setLine':
      sendToPin(flow, command.pin, command.level === 1 ? SET_LINE.up : SET_LINE.down);
      return {};
    case 'clock.advance':
      flow.state.clockNs += command.ns;
      sendToEveryPin(flow, { type: 'TICK', ns: command.ns });
      return {};
    default:
      throw new Error(`not a guest, device or clock command: ${command.op}`);
  }
}

/** Executes one command without guest reactions. */
export function execute(state: ModelState, command: Command): Executed {
  const flow = openFlow(state);
  if (isIoctl(command)) {
    const observation = ioctl(flow, command);
    return { command, before: state, after: flow.state, observation, eoiedPins: flow.eoiedPins };
  }
  // guestAction() builds its answer afresh, so it is completed in place: a spread here took a tenth of the
  // explorer's time (node --cpu-prof).
  const observation = guestAction(flow, command);
  observation.exits = flow.exits;
  observation.deliveries = flow.deliveries;
  return { command, before: state, after: flow.state, observation, eoiedPins: flow.eoiedPins };
}

/** Runs the guest program until it waits (or MAX_REACTIONS), returning the state and what it did. */
function react(state: ModelState): { state: ModelState; reactions: Reaction[]; executed: Executed[] } {
  const program = GUESTS.get(state.profile.guest)?.program;
  const reactions: Reaction[] = [];
  const executed: Executed[] = [];
  if (program === undefined) return { state, reactions, executed };
  let current = state;
  while (reactions.length < MAX_REACTIONS) {
    let acted = false;
    // Stryker disable next-line EqualityOperator: one vCPU past the end has no phase and is skipped.
    for (let vcpu = 0; vcpu < current.guest.length && !acted; vcpu++) {
      const phase = current.guest[vcpu];
      const action = phase && program.next(current, vcpu, phase);
      if (!action) continue;
      const result = execute(current, action.command);
      current = copyState(result.after);
      current.guest = replaceAt(current.guest, vcpu, action.after(result.observation));
      reactions.push({ command: action.command, observed: result.observation });
      executed.push({ ...result, after: current });
      acted = true;
    }
    if (!acted) break;
  }
  return { state: current, reactions, executed };
}

/**
 * The model's only transition: executes `command`, then lets the guest program react. Pure and deterministic.
 */
export function step(state: ModelState, command: Command): StepResult {
  const first = execute(state, command);
  const reacted = react(first.after);
  const observation =
    reacted.reactions.length > 0 ? { ...first.observation, reactions: reacted.reactions } : first.observation;
  return { state: reacted.state, observation, executed: [first, ...reacted.executed] };
}
