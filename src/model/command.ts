import type * as v from 'valibot';
import type { commandSchema } from './traceSchema.js';

/** One trace command, as the trace schema reads it (its fields are documented there). */
export type Command = v.InferOutput<typeof commandSchema>;

/** Guest write of an I/O APIC redirection entry. */
export type IoapicWriteRte = Extract<Command, { op: 'guest.ioapicWriteRte' }>;

export type Op = Command['op'];

/** Ops that a guest program may issue by itself. */
export type GuestOp = Extract<Op, `guest.${string}` | 'device.setLine'>;

/** A VM or vCPU ioctl (`KVM_*`), as opposed to a guest, device or clock command. */
export function isIoctl(command: Command): boolean {
  return command.op.startsWith('KVM_');
}

/** The vCPU a command names, if any. */
export function vcpuOf(command: Command): number | undefined {
  return 'vcpu' in command ? command.vcpu : undefined;
}
