import { ioapicPinMachine, type PinEvent } from '../../machines/ioapicPin.js';
import { type LapicEmitted, type LapicEvent, lapicMachine } from '../../machines/lapic.js';
import { memo } from '../../machines/memo.js';
import { type VmEvent, vmMachine } from '../../machines/vm.js';
import { LAPIC_WIRES, PIN_WIRES, type Send, VM_WIRES, type Wire } from '../../machines/wiring.js';
import { advance, visit, visiting } from './drive.js';
import {
  copyState,
  type LapicSnapshot,
  type ModelState,
  type PinSnapshot,
  startLapic,
  startPins,
} from './state.js';

/**
 * The state as one command unfolds, with the exits and deliveries it caused so far. The flow owns its state and the
 * state's LAPIC and pin arrays (copied once when it opens), so each machine step writes in place.
 */
export interface Flow {
  /** Current state. */
  state: ModelState;
  /** `state.lapics`, writable. */
  lapics: (LapicSnapshot | null)[];
  /** `state.pins`, writable. */
  pins: PinSnapshot[];
  /** KVM_EXIT_IOAPIC_EOI vectors, in order. */
  exits: number[];
  /** Vectors latched into some LAPIC's IRR, in order. */
  deliveries: number[];
  /** Pins whose Remote IRR an EOI cleared (even if a re-delivery set it again). */
  eoiedPins: number[];
}

export function openFlow(state: ModelState): Flow {
  const lapics = state.lapics.slice();
  const pins = state.pins.slice();
  const copy = copyState(state);
  copy.lapics = lapics;
  copy.pins = pins;
  return { state: copy, lapics, pins, exits: [], deliveries: [], eoiedPins: [] };
}

/** Each wire's coverage id, in one array kept per wire: coverage reads an array it has seen once. */
const wireVisitsNow = memo(() => new WeakMap<object, readonly string[]>());

function wireIds(wire: Wire<never>, type: string): readonly string[] {
  const wireVisits = wireVisitsNow();
  let ids = wireVisits.get(wire);
  if (ids === undefined) {
    ids = [`${wire.from}.${type}`];
    wireVisits.set(wire, ids);
  }
  return ids;
}

/** Carries each emitted event along its wire (machines/wiring.ts), in the order emitted. */
function carry<E extends { type: string }>(
  flow: Flow,
  wires: { readonly [type: string]: Wire<never> | undefined },
  emitted: readonly E[],
): void {
  for (const e of emitted) {
    const wire = wires[e.type] as Wire<E> | undefined;
    if (wire === undefined) continue;
    // Stryker disable next-line ConditionalExpression: a shortcut; visit() without a coverage visitor does nothing.
    if (visiting()) visit(wireIds(wire, e.type));
    for (const send of wire.route(e, flow.state)) perform(flow, send);
  }
}

function perform(flow: Flow, send: Send): void {
  if (send.to === 'observation') flow[send.record].push(send.value);
  else if ('start' in send) {
    if (send.to === 'lapic') flow.lapics[send.start.id] = startLapic(send.start);
    else flow.pins.splice(0, flow.pins.length, ...startPins(flow.state.config.pins, send.start));
  } else if (send.to === 'ioapicPin') {
    if (send.at === 'every') sendToEveryPin(flow, send.event);
    else sendToPin(flow, send.at, send.event);
  } else {
    const { at, unless, tally } = send;
    const answered: number[] = [];
    // Stryker disable next-line EqualityOperator: one vCPU past the end is null, which sendToLapic ignores.
    for (let vcpu = 0; vcpu < flow.state.lapics.length; vcpu++)
      if (at === 'every' || at === vcpu || (typeof at !== 'number' && at.includes(vcpu))) {
        const emitted = sendToLapic(flow, vcpu, send.event);
        // Stryker disable next-line MethodExpression,ConditionalExpression: a DELIVER emits `injected` or nothing.
        if (emitted.some((e) => e.type === unless?.answer)) answered.push(vcpu);
      }
    if (unless !== undefined && answered.length === 0) perform(flow, unless.send);
    if (tally !== undefined) perform(flow, tally(answered));
  }
}

/** Sends an event to the VM machine and carries what it emits; returns the ioctl's return value. */
export function sendToVm(flow: Flow, event: VmEvent): number {
  const { next, emitted } = advance(vmMachine, flow.state.vm, event);
  flow.state.vm = next;
  carry(flow, VM_WIRES, emitted);
  // Stryker disable next-line ConditionalExpression: every VM event's transitions emit a ret.
  return emitted.find((e) => e.type === 'ret')?.value ?? 0;
}

/** Sends an event to a pin and carries what it emits. */
export function sendToPin(flow: Flow, pin: number, event: PinEvent): void {
  const current = flow.pins[pin];
  if (current === undefined) return;
  const { next, emitted } = advance(ioapicPinMachine, current, event);
  flow.pins[pin] = next;
  carry(flow, PIN_WIRES, emitted);
}

/** Sends an event to every pin of the I/O APIC, in pin order. */
export function sendToEveryPin(flow: Flow, event: PinEvent): void {
  // Stryker disable next-line EqualityOperator: one pin past the end is undefined, which sendToPin ignores.
  for (let pin = 0; pin < flow.state.pins.length; pin++) sendToPin(flow, pin, event);
}

/**
 * Sends an event to a vCPU's LAPIC and carries what it emits. Returns the emitted events for the caller to
 * observe; none when the vCPU does not exist.
 */
export function sendToLapic(flow: Flow, vcpu: number, event: LapicEvent): readonly LapicEmitted[] {
  const current = flow.lapics[vcpu];
  if (current == null) return [];
  const { next, emitted } = advance(lapicMachine, current, event);
  flow.lapics[vcpu] = next;
  carry(flow, LAPIC_WIRES, emitted);
  return emitted;
}
