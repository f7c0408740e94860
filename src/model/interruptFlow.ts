import { ioapicPinMachine, type PinEmitted, type PinEvent } from '../../machines/ioapicPin.js';
import { type LapicEmitted, type LapicEvent, lapicMachine } from '../../machines/lapic.js';
import { advance } from './drive.js';
import { type LapicSnapshot, type ModelState, type PinSnapshot, replaceAt } from './state.js';

/** The state as one command unfolds, with the exits and deliveries it caused so far. */
export interface Flow {
  /** Current state. */
  state: ModelState;
  /** KVM_EXIT_IOAPIC_EOI vectors, in order. */
  exits: number[];
  /** Vectors latched into some LAPIC's IRR, in order. */
  deliveries: number[];
  /** Pins whose Remote IRR an EOI cleared (even if a re-delivery set it again). */
  eoiedPins: number[];
}

export function openFlow(state: ModelState): Flow {
  return { state, exits: [], deliveries: [], eoiedPins: [] };
}

/** Sends an event to a pin and delivers the interrupt messages it emits. */
export function sendToPin(flow: Flow, pin: number, event: PinEvent): void {
  const current = flow.state.pins[pin];
  if (current === undefined) return;
  const { next, emitted } = advance<PinSnapshot['value'], PinSnapshot['context'], PinEvent, PinEmitted>(
    ioapicPinMachine,
    current,
    event,
  );
  flow.state = { ...flow.state, pins: replaceAt(flow.state.pins, pin, next) };
  const accepted = next.value === 'remoteIrrClear' || emitted.length > 0;
  if (event.type === 'EOI' && current.value === 'remoteIrrSet' && accepted) flow.eoiedPins.push(pin);
  for (const message of emitted) deliver(flow, message);
}

/** An EOI for `vector` reaches every pin of the I/O APIC. */
export function eoiAllPins(flow: Flow, vector: number, source: 'broadcast' | 'register'): void {
  // Stryker disable next-line EqualityOperator: one pin past the end is undefined, which sendToPin ignores.
  for (let pin = 0; pin < flow.state.pins.length; pin++)
    sendToPin(flow, pin, { type: 'EOI', vector, source });
}

function deliver(flow: Flow, message: PinEmitted): void {
  const emitted = sendToLapic(flow, message.dest, {
    type: 'DELIVER',
    vector: message.vector,
    level: message.level,
  });
  if (emitted.some((e) => e.type === 'injected')) flow.deliveries.push(message.vector);
  // Stryker disable next-line ConditionalExpression: an edge delivery sets no Remote IRR for UNACCEPTED to clear.
  else if (message.level) sendToPin(flow, message.pin, { type: 'UNACCEPTED' });
}

/**
 * Sends an event to a vCPU's LAPIC and carries out what its EOI emits: in split mode KVM exits to the VMM,
 * whose I/O APIC takes it as a broadcast EOI; with the in-kernel I/O APIC the level EOI goes there directly.
 * Returns the LAPIC's emitted events for the caller to observe.
 */
export function sendToLapic(flow: Flow, vcpu: number, event: LapicEvent): readonly LapicEmitted[] {
  const current = flow.state.lapics[vcpu];
  if (current == null) return [];
  const { next, emitted } = advance<
    LapicSnapshot['value'],
    LapicSnapshot['context'],
    LapicEvent,
    LapicEmitted
  >(lapicMachine, current, event);
  flow.state = { ...flow.state, lapics: replaceAt(flow.state.lapics, vcpu, next) };
  for (const e of emitted) {
    if (e.type === 'eoiExit') {
      flow.exits.push(e.vector);
      eoiAllPins(flow, e.vector, 'broadcast');
    } else if (e.type === 'ioapicEoi') {
      eoiAllPins(flow, e.vector, 'broadcast');
    }
  }
  return emitted;
}
