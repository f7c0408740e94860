import type { Command } from '../command.js';
import type { Observation } from '../observation.js';
import type { ModelState } from '../state.js';

/** Where a guest program is on one vCPU. `directed`: the guest believes it runs with directed EOI. */
export type GuestPhase =
  | { phase: 'off' }
  | { phase: 'booting'; directed: boolean }
  | { phase: 'probing'; directed: boolean }
  | { phase: 'idle'; directed: boolean }
  | { phase: 'handling'; vector: number; directed: boolean; step: HandlingStep };

/**
 * How far the handler of a level interrupt is: taken; TMR read and found set or clear (Linux); LAPIC EOI done;
 * the pin masked and switched to edge, before its entry is restored (Linux's EOI of an I/O APIC without a register).
 */
export type HandlingStep = 'accepted' | 'tmrSet' | 'tmrClear' | 'lapicEoiDone' | 'pinMasked';

/** A command the guest issues now, and its phase once it has seen the result. */
export interface GuestAction {
  /** The command the guest issues. */
  command: Command;
  /** The guest's phase after observing the command's result. */
  after: (observed: Observation) => GuestPhase;
}

/** A guest operating system as a program that reacts to the model's state. */
export interface GuestProgram {
  /** The next action of the guest on `vcpu`, or null while it waits for something to happen. */
  next(state: ModelState, vcpu: number, phase: GuestPhase): GuestAction | null;
}

/** A guest profile. */
export interface GuestProfile {
  /** Profile name used in traces and on the command line. */
  name: string;
  /** One line for `seoib profiles`. */
  description: string;
  /** Its behaviour. */
  program: GuestProgram;
}
