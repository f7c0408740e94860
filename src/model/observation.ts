import type * as v from 'valibot';
import type { Command } from './command.js';
import type { expectationSchema } from './traceSchema.js';

/** What one command observably did, in the shape of `expect`. */
export interface Observation {
  /** The ioctl's return: the capability value for KVM_CHECK_EXTENSION, else 0 or a negative errno. */
  ret?: number;
  /** A register read (guest.rdmsr, KVM_GET_LAPIC). */
  value?: number;
  /** The vector guest.acceptInterrupt took, or null when nothing was deliverable. */
  vector?: number | null;
  /** KVM_EXIT_IOAPIC_EOI vectors the command caused. */
  exits?: number[];
  /** Vectors latched into a LAPIC's IRR as a consequence of the command. */
  deliveries?: number[];
  /** '#GP' when the guest instruction faulted. */
  fault?: '#GP';
  /** Commands the guest program issued by itself after this command, each with what it observed. */
  reactions?: Reaction[];
}

/** A command the guest program issued by itself, and what it observed. */
export interface Reaction {
  /** The command. */
  command: Command;
  /** Its observation. */
  observed: Observation;
}

/** A reaction as it stands in a trace file: the command's fields plus `observed`. */
export type ReactionJson = NonNullable<Expectation['reactions']>[number];

/** `expect` of a command: any subset of an observation, plus a mask for `value`. */
export type Expectation = v.InferOutput<typeof expectationSchema>;
