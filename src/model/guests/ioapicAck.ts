import type { Command } from '../command.js';
import type { ModelState } from '../state.js';
import type { GuestAction, GuestPhase } from './program.js';

/** The guest's view of the level pin behind `vector`: its index and redirection entry. */
function levelPin(state: ModelState, vector: number) {
  const pin = state.pins.findIndex((p) => p.context.vector === vector && p.context.trigger === 'level');
  return pin < 0 ? undefined : { pin, context: (state.pins[pin] as ModelState['pins'][number]).context };
}

/**
 * Linux's explicit I/O APIC EOI (__eoi_ioapic_pin): the EOI register on version 0x20 and later; otherwise the
 * entry is masked and switched to edge (which clears Remote IRR), then restored. `phase` is `lapicEoiDone` or
 * `pinMasked`; the guest is `idle` after.
 */
export function explicitIoapicEoi(state: ModelState, phase: GuestPhase & { phase: 'handling' }): GuestAction {
  const idle: GuestPhase = { phase: 'idle', directed: phase.directed };
  const found = levelPin(state, phase.vector);
  const eoiRegister: Command = { op: 'guest.ioapicEoi', vector: phase.vector };
  if (found === undefined || found.context.version >= 0x20)
    return { command: eoiRegister, after: () => idle };
  const { pin, context } = found;
  const entry = { op: 'guest.ioapicWriteRte', pin, vector: context.vector, dest: context.dest } as const;
  if (phase.step === 'pinMasked')
    return { command: { ...entry, trigger: 'level', masked: false }, after: () => idle };
  return {
    command: { ...entry, trigger: 'edge', masked: true },
    after: () => ({ ...phase, step: 'pinMasked' }),
  };
}
