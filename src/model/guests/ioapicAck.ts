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
  if (phase.step === 'pinMasked') {
    const masked = pinWith(state, phase.vector, 'edge', true);
    if (masked === undefined)
      return { command: { op: 'guest.ioapicEoi', vector: phase.vector }, after: () => idle };
    const { pin, context } = masked;
    return {
      command: {
        op: 'guest.ioapicWriteRte',
        pin,
        vector: context.vector,
        dest: context.dest,
        trigger: 'level',
        masked: false,
      },
      after: () => idle,
    };
  }
  const found = pinWith(state, phase.vector, 'level');
  if (found === undefined || found.context.version >= 0x20)
    return { command: { op: 'guest.ioapicEoi', vector: phase.vector }, after: () => idle };
  const { pin, context } = found;
  return {
    command: {
      op: 'guest.ioapicWriteRte',
      pin,
      vector: context.vector,
      dest: context.dest,
      trigger: 'edge',
      masked: true,
    },
    after: () => ({ ...phase, step: 'pinMasked' }),
  };
}
