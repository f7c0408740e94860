import type { Command } from '../command.js';
import type { ModelState } from '../state.js';
import type { GuestAction, GuestPhase } from './program.js';

/** The guest's view of the pin behind `vector` whose entry is `trigger` (and masked, if asked): index and entry. */
function pinWith(state: ModelState, vector: number, trigger: 'level' | 'edge', masked?: true) {
  const pin = state.pins.findIndex(
    (p) =>
      p.context.vector === vector &&
      p.context.trigger === trigger &&
      (masked === undefined || p.context.masked),
  );
  return pin < 0 ? undefined : { pin, context: (state.pins[pin] as ModelState['pins'][number]).context };
}

/**
 * Linux's explicit I/O APIC EOI (__eoi_ioapic_pin): the EOI register on version 0x20 and later; otherwise the
 * entry is masked and switched to edge (which clears Remote IRR), then restored to level and unmasked. `phase` is
 * `lapicEoiDone` or `pinMasked`; the guest is `idle` after.
 */
export function explicitIoapicEoi(state: ModelState, phase: GuestPhase & { phase: 'handling' }): GuestAction {
  const idle: GuestPhase = { phase: 'idle', directed: phase.directed };
  const eoiRegister: GuestAction = {
    command: { op: 'guest.ioapicEoi', vector: phase.vector },
    after: () => idle,
  };
  if (phase.step === 'pinMasked') {
    const masked = pinWith(state, phase.vector, 'edge', true);
    return masked === undefined
      ? eoiRegister
      : { command: rewritten(masked, 'level', false), after: () => idle };
  }
  const found = pinWith(state, phase.vector, 'level');
  if (found === undefined || found.context.version >= 0x20) return eoiRegister;
  return { command: rewritten(found, 'edge', true), after: () => ({ ...phase, step: 'pinMasked' }) };
}

/** The guest's write of a pin's entry with its vector and destination, and this trigger mode and mask. */
function rewritten(
  { pin, context }: NonNullable<ReturnType<typeof pinWith>>,
  trigger: 'level' | 'edge',
  masked: boolean,
): Command {
  return { op: 'guest.ioapicWriteRte', pin, vector: context.vector, dest: context.dest, trigger, masked };
}
