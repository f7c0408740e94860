import { MSR } from '../../machines/apic.js';
import { softwareEnabled, spivDirectedEoi } from '../../machines/lapic.js';
import * as vectors from '../../machines/vectorSet.js';
import { destinationOf, matchesDest } from '../../machines/wiring.js';
import type { LapicSnapshot, ModelState } from '../model/state.js';
import type { Executed } from '../model/step.js';

/** A guest LAPIC EOI as the invariants see it. */
export interface LapicEoi {
  /** vCPU that wrote EOI. */
  vcpu: number;
  /** The vector it ended (highest in service before). */
  vector: number;
  /** SPIV bit 12 was set: the guest asked for no broadcast and will EOI the I/O APIC itself. */
  directed: boolean;
  /** The vector was level-triggered in TMR. */
  level: boolean;
  /** A level redirection entry with this vector targets this vCPU. */
  routed: boolean;
}

/** The LAPIC EOI a command performed, if it was one (guest.eoi or WRMSR 0x80b that did not fault). */
export function lapicEoiOf(executed: Executed): LapicEoi | undefined {
  const { command, before, observation } = executed;
  const isEoi = command.op === 'guest.eoi' || (command.op === 'guest.wrmsr' && command.msr === MSR.eoi);
  if (!isEoi || observation.fault !== undefined) return undefined;
  const lapic = before.lapics[command.vcpu];
  if (lapic == null) return undefined;
  const vector = vectors.highest(lapic.context.isr);
  if (vector === undefined) return undefined;
  return {
    vcpu: command.vcpu,
    vector,
    directed: spivDirectedEoi(lapic.value),
    level: vectors.has(lapic.context.tmr, vector),
    routed: levelPinsFor(before, vector).some((pin) =>
      matchesDest(before, command.vcpu, (before.pins[pin] as ModelState['pins'][number]).context.dest),
    ),
  };
}

/** Pins whose redirection entry is level-triggered with this vector. */
export function levelPinsFor(state: ModelState, vector: number): number[] {
  const pins: number[] = [];
  state.pins.forEach((pin, index) => {
    if (pin.context.vector === vector && pin.context.trigger === 'level') pins.push(index);
  });
  return pins;
}

/** The vector is in some LAPIC's IRR or ISR: an EOI for it can still come. */
export function pendingAnywhere(state: ModelState, vector: number): boolean {
  return state.lapics.some(
    (lapic) =>
      lapic != null && (vectors.has(lapic.context.irr, vector) || vectors.has(lapic.context.isr, vector)),
  );
}

/**
 * A LAPIC the pin's destination reaches exists and accepts interrupts (else the interrupt is misrouted, not
 * stuck). A vCPU without an in-kernel APIC never counts: the destination reaches only present APICs.
 */
export function deliverable(state: ModelState, pin: number): boolean {
  const { vcpus } = destinationOf(state, state.pins[pin]?.context.dest ?? -1);
  return vcpus.some((vcpu) => softwareEnabled((state.lapics[vcpu] as LapicSnapshot).context));
}

/** Level pins with this vector whose Remote IRR is set, routed to a live LAPIC, and that no LAPIC will ever EOI. */
export function strandedPins(state: ModelState, vector: number): number[] {
  if (pendingAnywhere(state, vector)) return [];
  return levelPinsFor(state, vector).filter(
    (pin) => state.pins[pin]?.value === 'remoteIrrSet' && deliverable(state, pin),
  );
}
