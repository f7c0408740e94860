import type { Trigger } from '../../machines/ioapicPin.js';
import type { Expectation } from './observation.js';

/** Fields every command may carry. */
interface Common {
  /** What the command must observe; checked by replay, filled in by --record. */
  expect?: Expectation;
}

/** KVM_CHECK_EXTENSION(KVM_CAP_X2APIC_API) on the system fd or the VM fd. */
export interface CheckExtension extends Common {
  /** Operation. */
  op: 'KVM_CHECK_EXTENSION';
  /** Which file descriptor is asked. */
  fd: 'system' | 'vm';
  /** The capability asked about. */
  cap: 'KVM_CAP_X2APIC_API';
}

/** KVM_CREATE_IRQCHIP: in-kernel PIC, I/O APIC and LAPICs. */
export interface CreateIrqchip extends Common {
  /** Operation. */
  op: 'KVM_CREATE_IRQCHIP';
}

/** KVM_ENABLE_CAP on the VM fd. */
export interface EnableCap extends Common {
  /** Operation. */
  op: 'KVM_ENABLE_CAP';
  /** Capability: split irqchip (args[0] = reserved I/O APIC pins) or X2APIC_API (args[0] = flags). */
  cap: 'KVM_CAP_SPLIT_IRQCHIP' | 'KVM_CAP_X2APIC_API';
  /** args[0]. */
  args: [number];
}

/** KVM_CREATE_VCPU. */
export interface CreateVcpu extends Common {
  /** Operation. */
  op: 'KVM_CREATE_VCPU';
  /** vCPU id (also its APIC ID). */
  id: number;
}

/** KVM_SET_CPUID2 with or without the x2APIC feature bit. */
export interface SetCpuid extends Common {
  /** Operation. */
  op: 'KVM_SET_CPUID2';
  /** Target vCPU. */
  vcpu: number;
  /** CPUID.1:ECX.x2APIC. */
  x2apic: boolean;
}

/** KVM_SET_LAPIC: replaces the LAPIC register page (LVR is ignored and recomputed). */
export interface SetLapic extends Common {
  /** Operation. */
  op: 'KVM_SET_LAPIC';
  /** Target vCPU. */
  vcpu: number;
  /** SPIV, stored raw (bit 12 included). */
  spiv: number;
  /** Vectors set in IRR. */
  irr: number[];
  /** Vectors set in ISR. */
  isr: number[];
  /** Vectors set in TMR. */
  tmr: number[];
}

/** KVM_GET_LAPIC, observing one 32-bit register of the page. */
export interface GetLapic extends Common {
  /** Operation. */
  op: 'KVM_GET_LAPIC';
  /** Target vCPU. */
  vcpu: number;
  /** xAPIC register offset: 0x30 LVR, 0xf0 SPIV, 0x100+ ISR, 0x180+ TMR, 0x200+ IRR. */
  reg: number;
}

/** Guest WRMSR to an x2APIC register. */
export interface Wrmsr extends Common {
  /** Operation. */
  op: 'guest.wrmsr';
  /** vCPU executing it. */
  vcpu: number;
  /** MSR index (0x800-0x8ff). */
  msr: number;
  /** 64-bit value; bits 63:32 set raise #GP. */
  value: bigint;
}

/** Guest RDMSR of an x2APIC register. */
export interface Rdmsr extends Common {
  /** Operation. */
  op: 'guest.rdmsr';
  /** vCPU executing it. */
  vcpu: number;
  /** MSR index (0x800-0x8ff). */
  msr: number;
}

/** Guest LAPIC EOI: WRMSR(0x80b, 0). */
export interface Eoi extends Common {
  /** Operation. */
  op: 'guest.eoi';
  /** vCPU executing it. */
  vcpu: number;
}

/** The guest opens its interrupt window (sti; hlt) and takes the highest deliverable vector, if any. */
export interface AcceptInterrupt extends Common {
  /** Operation. */
  op: 'guest.acceptInterrupt';
  /** vCPU executing it. */
  vcpu: number;
}

/** Guest write of an I/O APIC redirection entry. */
export interface IoapicWriteRte extends Common {
  /** Operation. */
  op: 'guest.ioapicWriteRte';
  /** Pin. */
  pin: number;
  /** Vector (16-255). */
  vector: number;
  /** Trigger mode. */
  trigger: Trigger;
  /** Mask bit. */
  masked: boolean;
  /** Destination APIC ID (physical mode). */
  dest: number;
}

/** Guest write of the I/O APIC EOI register (offset 0x40; ignored by version 0x11). */
export interface IoapicEoi extends Common {
  /** Operation. */
  op: 'guest.ioapicEoi';
  /** Vector. */
  vector: number;
}

/** An INIT delivered to the vCPU (from another vCPU's IPI): kvm_lapic_reset(init_event). */
export interface Init extends Common {
  /** Operation. */
  op: 'guest.init';
  /** vCPU receiving INIT. */
  vcpu: number;
}

/** The device raises or lowers its interrupt line. */
export interface SetLine extends Common {
  /** Operation. */
  op: 'device.setLine';
  /** Pin. */
  pin: number;
  /** 1 asserted, 0 deasserted. */
  level: 0 | 1;
}

/** Deterministic time passes. */
export interface ClockAdvance extends Common {
  /** Operation. */
  op: 'clock.advance';
  /** Nanoseconds. */
  ns: number;
}

export type Command =
  | CheckExtension
  | CreateIrqchip
  | EnableCap
  | CreateVcpu
  | SetCpuid
  | SetLapic
  | GetLapic
  | Wrmsr
  | Rdmsr
  | Eoi
  | AcceptInterrupt
  | IoapicWriteRte
  | IoapicEoi
  | Init
  | SetLine
  | ClockAdvance;

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
