import { and, assign, emit, setup } from 'xstate';
import type { IoapicVersion } from '../src/model/apic.js';

export type Trigger = 'edge' | 'level';

export interface PinContext {
  /** Pin (GSI) number. */
  pin: number;
  /** I/O APIC version: 0x11 has no EOI register, 0x20 has one at offset 0x40. */
  version: IoapicVersion;
  /** Redirection entry: vector. */
  vector: number;
  /** Redirection entry: destination APIC ID (physical mode). */
  dest: number;
  /** Redirection entry: trigger mode. */
  trigger: Trigger;
  /** Redirection entry: mask bit. */
  masked: boolean;
  /** The device's interrupt line is asserted. */
  line: boolean;
}

export type PinEvent =
  | { type: 'WRITE_RTE'; vector: number; dest: number; trigger: Trigger; masked: boolean }
  | { type: 'SET_LINE'; level: boolean }
  /** An EOI for `vector`: broadcast by the LAPIC (or KVM's exit), or written to the EOI register. */
  | { type: 'EOI'; vector: number; source: 'broadcast' | 'register' };

/** The pin sends an interrupt message to the LAPIC of `dest`. */
export type PinEmitted = { type: 'deliver'; pin: number; vector: number; dest: number; level: boolean };

/**
 * One I/O APIC pin: its redirection entry, its line and Remote IRR (state `remoteIrrSet`: a level interrupt
 * was sent and awaits EOI). Follows ioapic_set_irq(), ioapic_write_indirect() and kvm_ioapic_update_eoi_one()
 * in KVM, which QEMU's and crosvm's I/O APICs match on these points.
 */
export const ioapicPinMachine = setup({
  types: {
    context: {} as PinContext,
    events: {} as PinEvent,
    emitted: {} as PinEmitted,
    input: {} as { pin: number; version: IoapicVersion },
  },
  guards: {
    rteDeliversAssertedLevel: ({ context, event }) =>
      event.type === 'WRITE_RTE' && event.trigger === 'level' && !event.masked && context.line,
    rteIsEdge: ({ event }) => event.type === 'WRITE_RTE' && event.trigger === 'edge',
    assertsLevel: ({ context, event }) =>
      event.type === 'SET_LINE' && event.level && context.trigger === 'level' && !context.masked,
    risingEdge: ({ context, event }) =>
      event.type === 'SET_LINE' &&
      event.level &&
      !context.line &&
      context.trigger === 'edge' &&
      !context.masked,
    noEoiRegister: ({ context, event }) =>
      event.type === 'EOI' && event.source === 'register' && context.version < 0x20,
    eoiMatches: ({ context, event }) =>
      event.type === 'EOI' && event.vector === context.vector && context.trigger === 'level',
    lineStillAsserted: ({ context }) => context.line && !context.masked,
  },
  actions: {
    writeRte: assign(({ event }) =>
      event.type === 'WRITE_RTE'
        ? { vector: event.vector, dest: event.dest, trigger: event.trigger, masked: event.masked }
        : {},
    ),
    setLine: assign({
      line: ({ context, event }) => (event.type === 'SET_LINE' ? event.level : context.line),
    }),
    deliver: emit(
      ({ context }) =>
        ({
          type: 'deliver',
          pin: context.pin,
          vector: context.vector,
          dest: context.dest,
          level: context.trigger === 'level',
        }) as const,
    ),
  },
}).createMachine({
  id: 'ioapicPin',
  initial: 'remoteIrrClear',
  // Reset state of a redirection entry: masked, edge, vector 0.
  context: ({ input }) => ({
    pin: input.pin,
    version: input.version,
    vector: 0,
    dest: 0,
    trigger: 'edge',
    masked: true,
    line: false,
  }),
  states: {
    remoteIrrClear: {
      on: {
        WRITE_RTE: [
          { guard: 'rteDeliversAssertedLevel', target: 'remoteIrrSet', actions: ['writeRte', 'deliver'] },
          { actions: 'writeRte' },
        ],
        SET_LINE: [
          { guard: 'assertsLevel', target: 'remoteIrrSet', actions: ['setLine', 'deliver'] },
          { guard: 'risingEdge', actions: ['setLine', 'deliver'] },
          { actions: 'setLine' },
        ],
      },
    },
    remoteIrrSet: {
      on: {
        // Switching the entry to edge clears Remote IRR.
        WRITE_RTE: [
          { guard: 'rteIsEdge', target: 'remoteIrrClear', actions: 'writeRte' },
          { actions: 'writeRte' },
        ],
        SET_LINE: { actions: 'setLine' },
        EOI: [
          { guard: 'noEoiRegister' },
          // Remote IRR is cleared and the still-asserted line is delivered again at once, setting it anew.
          { guard: and(['eoiMatches', 'lineStillAsserted']), actions: 'deliver' },
          { guard: 'eoiMatches', target: 'remoteIrrClear' },
        ],
      },
    },
  },
});
