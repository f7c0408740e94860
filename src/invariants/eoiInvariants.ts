import type { VectorSet } from '../../machines/vectorSet.js';
import * as vectors from '../../machines/vectorSet.js';
import { matchesDest } from '../../machines/wiring.js';
import { lapicEoiOf, levelPinsFor, strandedPins } from './eoiFacts.js';
import { BROADCAST_EXCUSES, EXCUSES } from './excuses.js';
import { type Invariant, stateless } from './invariant.js';

/** More deliveries of one vector than this within one trace command (device asserted once) is a storm. */
export const STORM_BOUND = 3;

export const noUnmaskBeforeIoapicEoi: Invariant<VectorSet> = {
  id: 'no-unmask-before-ioapic-eoi',
  statement:
    'After a LAPIC EOI with SPIV bit 12 set, the pin keeps Remote IRR (no re-delivery) until the guest EOIs the I/O APIC',
  clause:
    'DESIGN §1 SEOIB: "the LAPIC EOI is not broadcast and the guest must EOI the I/O APIC itself"; failure 1',
  appliesTo: 'level interrupts routed through the I/O APIC, guests that set SPIV bit 12',
  excuses: BROADCAST_EXCUSES,
  initial: [],
  carries: 'vectors',
  check(awaiting, executed) {
    const { command, before } = executed;
    let watched = awaiting;
    if (command.op === 'guest.ioapicEoi') watched = vectors.remove(watched, command.vector);
    if (command.op === 'guest.ioapicWriteRte') {
      watched = vectors.remove(
        vectors.remove(watched, command.vector),
        // Stryker disable next-line UnaryOperator: a trace's pins exist (findReferenceError); no vector is ±1.
        before.pins[command.pin]?.context.vector ?? -1,
      );
    }
    const eoi = lapicEoiOf(executed);
    if (eoi?.directed && eoi.routed && eoi.level) watched = vectors.add(watched, eoi.vector);
    // A guest that cleared SPIV bit 12 again ends the vector with a broadcast EOI, which may unmask the pin.
    if (eoi !== undefined && !eoi.directed) watched = vectors.remove(watched, eoi.vector);
    for (const vector of watched) {
      const pin = levelPinsFor(before, vector).find((p) => executed.eoiedPins.includes(p));
      if (pin !== undefined) {
        return {
          monitor: watched,
          violation: `pin ${pin} (vector ${vector}) unmasked before the guest's I/O APIC EOI`,
        };
      }
    }
    return { monitor: watched };
  },
};

export const noMissedEoiQuirk = stateless(
  {
    id: 'no-missed-eoi-quirk',
    statement:
      'In QUIRKED split mode every LAPIC EOI of a level, I/O-APIC-routed vector exits to the VMM exactly once',
    clause: 'patch: "VMMs without support for directed EOI came to rely on the \'spurious\' broadcasts"',
    appliesTo: 'split irqchip, mode QUIRKED',
    excuses: [EXCUSES.reservedPins],
  },
  (executed) => {
    const vm = executed.before.vm.value;
    const eoi = lapicEoiOf(executed);
    if (vm.irqchip !== 'split' || vm.seoib !== 'quirked' || !eoi?.routed || !eoi.level) return undefined;
    const exits = executed.observation.exits ?? [];
    const count = exits.filter((v) => v === eoi.vector).length;
    return count === 1 && exits.length === 1
      ? undefined
      : `EOI of vector ${eoi.vector} made exits ${JSON.stringify(exits)}`;
  },
);

export const noStuckPin: Invariant<VectorSet> = {
  id: 'no-stuck-pin',
  statement:
    'Once the guest has completed its EOI protocol for a vector, no level pin with it keeps Remote IRR',
  clause: 'DESIGN §1 failure 2: "Remote IRR never clears, the pin never delivers again"',
  appliesTo:
    'level pins routed to a live LAPIC; complete = LAPIC EOI without SPIV bit 12, else the I/O APIC EOI',
  excuses: [
    EXCUSES.kernelIoapicDirected,
    EXCUSES.enableWithoutEoiRegister,
    EXCUSES.edgeSwitchKeepsRemoteIrr,
    EXCUSES.reservedPins,
  ],
  // Pins the guest or VMM made unreachable: vector rewritten while in flight, the interrupt dropped (APIC
  // software-disabled, no such vCPU), or discarded from IRR/ISR by INIT or KVM_SET_LAPIC. No EOI can reach them.
  initial: [],
  carries: 'pins',
  check(retargeted, executed) {
    const { command, before, after } = executed;
    let next: VectorSet =
      // Stryker disable next-line ConditionalExpression: a shortcut; an empty set filtered is an empty set.
      retargeted.length === 0
        ? retargeted
        : retargeted.filter((pin) => after.pins[pin]?.value === 'remoteIrrSet');
    if (command.op === 'guest.ioapicWriteRte') {
      const pin = before.pins[command.pin];
      if (pin?.value === 'remoteIrrSet' && pin.context.vector !== command.vector)
        next = vectors.add(next, command.pin);
    }
    if (command.op === 'guest.init' || command.op === 'KVM_SET_LAPIC') {
      before.pins.forEach((pin, index) => {
        if (pin.value === 'remoteIrrSet' && matchesDest(before, command.vcpu, pin.context.dest))
          next = vectors.add(next, index);
      });
    }
    after.pins.forEach((pin, index) => {
      const was = before.pins[index];
      // Stryker disable next-line ConditionalExpression: a shortcut; an unchanged pin (one object) set no Remote IRR.
      if (was === pin || was?.value !== 'remoteIrrClear' || pin.value !== 'remoteIrrSet') return;
      if (!(executed.observation.deliveries ?? []).includes(pin.context.vector))
        next = vectors.add(next, index);
    });
    const eoi = lapicEoiOf(executed);
    let vector: number | undefined;
    if (command.op === 'guest.ioapicEoi') vector = command.vector;
    else if (eoi !== undefined && !eoi.directed && eoi.routed && eoi.level) vector = eoi.vector;
    if (vector === undefined) return { monitor: next };
    const stuck = strandedPins(after, vector).filter((pin) => !next.includes(pin));
    if (stuck.length === 0) return { monitor: next };
    return {
      monitor: next,
      violation: `pin ${stuck.join(', ')} (vector ${vector}) keeps Remote IRR with nothing left to EOI it`,
    };
  },
};

interface StormCount {
  /** Deliveries per vector since the current trace command began. */
  counts: ReadonlyMap<number, number>;
  /** A storm was already reported for this trace command. */
  reported: boolean;
}

/** A trace command's count before any delivery, shared: a monitor is never written after it is returned. */
const FRESH_COUNT: StormCount = Object.freeze({ counts: new Map(), reported: false });

export const noStorm: Invariant<StormCount> = {
  id: 'no-storm',
  statement: `One trace command (one device event) causes at most ${STORM_BOUND} deliveries of a vector`,
  clause: 'DESIGN §1 failure 1: "repeated delivery before the guest\'s I/O APIC EOI"',
  appliesTo: "every profile; a storm shows in the guest program's reactions",
  excuses: BROADCAST_EXCUSES,
  initial: FRESH_COUNT,
  check(monitor, executed, position) {
    const start = position.reaction === null ? FRESH_COUNT : monitor;
    const deliveries = executed.observation.deliveries ?? [];
    // Stryker disable next-line ConditionalExpression: a shortcut; counting no deliveries changes no count.
    if (deliveries.length === 0) return { monitor: start };
    const counts = new Map(start.counts);
    // Until a storm is reported every count is within the bound, so only a vector delivered now can pass it.
    let storming: number | undefined;
    for (const vector of deliveries) {
      const n = (counts.get(vector) ?? 0) + 1;
      counts.set(vector, n);
      if (n > STORM_BOUND) storming = storming === undefined ? vector : Math.min(storming, vector);
    }
    if (storming === undefined || start.reported) return { monitor: { counts, reported: start.reported } };
    return {
      monitor: { counts, reported: true },
      violation: `vector ${storming} delivered ${counts.get(storming)} times within one command`,
    };
  },
};
