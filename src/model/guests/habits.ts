import { MSR, SPIV_APIC_ENABLED, SPIV_DIRECTED_EOI } from '../../../machines/apic.js';
import { deliverableVector } from '../../../machines/lapic.js';
import type { ModelState } from '../state.js';
import type { GuestAction, GuestPhase } from './program.js';

/** SPIV value a guest writes: APIC enabled, spurious vector 0xff, optionally Directed EOI. */
export function spivFor(directed: boolean): number {
  return SPIV_APIC_ENABLED | 0xff | (directed ? SPIV_DIRECTED_EOI : 0);
}

/** The guest can boot on `vcpu`: it has an in-kernel LAPIC and x2APIC in CPUID. */
export function canBoot(state: ModelState, vcpu: number): boolean {
  const lapic = state.lapics[vcpu];
  return lapic != null && lapic.value.apic !== 'absent' && lapic.context.x2apic;
}

function hasDeliverable(state: ModelState, vcpu: number): boolean {
  const lapic = state.lapics[vcpu];
  return lapic != null && deliverableVector(lapic.context) !== undefined;
}

/** Boot step of guests that read LVR first: RDMSR LVR, then `booting` with directed = LVR bit 24. */
export function readLvr(state: ModelState, vcpu: number): GuestAction | null {
  if (!canBoot(state, vcpu)) return null;
  return {
    command: { op: 'guest.rdmsr', vcpu, msr: MSR.lvr },
    after: (observed) => ({ phase: 'booting', directed: ((observed.value ?? 0) & (1 << 24)) !== 0 }),
  };
}

/** Opens the interrupt window if an interrupt is deliverable. */
export function takeInterrupt(state: ModelState, vcpu: number, directed: boolean): GuestAction | null {
  if (!hasDeliverable(state, vcpu)) return null;
  return {
    command: { op: 'guest.acceptInterrupt', vcpu },
    after: (observed) =>
      observed.vector == null
        ? { phase: 'idle', directed }
        : { phase: 'handling', vector: observed.vector, directed, step: 'accepted' },
  };
}

/** The driver services the device behind `vector`: the device lowers its line (one pin per action). */
export function serviceDevice(state: ModelState, vector: number, phase: GuestPhase): GuestAction | null {
  const pin = state.pins.findIndex((p) => p.context.vector === vector && p.context.line);
  if (pin < 0) return null;
  return { command: { op: 'device.setLine', pin, level: 0 }, after: () => phase };
}

/** LAPIC EOI, then the given phase. */
export function lapicEoi(vcpu: number, next: GuestPhase): GuestAction {
  return { command: { op: 'guest.eoi', vcpu }, after: () => next };
}
