/**
 * Local APIC and I/O APIC constants as KVM defines them (arch/x86/kvm/lapic.h, ioapic.h, apicdef.h).
 */

/** APIC_VERSION (0x14) with (nr_lvt_entries - 1) = 5 in bits 23:16, as KVM builds LVR for a vCPU without CMCI. */
export const LVR_BASE = 0x0005_0014;
/** APIC_LVR_DIRECTED_EOI: LVR bit 24 advertises Suppress EOI Broadcast. */
export const LVR_DIRECTED_EOI = 1 << 24;
/** APIC_SPIV_DIRECTED_EOI: SPIV bit 12, the guest's opt-in to Suppress EOI Broadcast. */
export const SPIV_DIRECTED_EOI = 1 << 12;
/** APIC_SPIV_APIC_ENABLED: SPIV bit 8, the APIC software enable. */
export const SPIV_APIC_ENABLED = 1 << 8;
/** The SPIV bits a guest write keeps besides bit 12 (vector, enable, focus). */
export const SPIV_WRITABLE = 0x3ff;
/** SPIV after reset and INIT. */
export const SPIV_RESET = 0xff;

/** x2APIC MSRs the model implements (MSR = 0x800 + xAPIC offset / 16). */
export const MSR = {
  id: 0x802,
  lvr: 0x803,
  eoi: 0x80b,
  spiv: 0x80f,
  isr0: 0x810,
  tmr0: 0x818,
  irr0: 0x820,
} as const;

/** xAPIC register offsets for KVM_GET_LAPIC (struct kvm_lapic_state). */
export const LAPIC_REG = {
  lvr: 0x30,
  spiv: 0xf0,
  isr0: 0x100,
  tmr0: 0x180,
  irr0: 0x200,
} as const;

/** The first vector a LAPIC accepts; 0-15 are reserved. */
export const FIRST_VECTOR = 16;
/** The last vector. */
export const LAST_VECTOR = 255;

/** Errno values KVM returns, negated as the ioctl reports them. */
export const ERRNO = {
  EINVAL: -22,
  EEXIST: -17,
  EBUSY: -16,
} as const;

/** KVM_MAX_IRQ_ROUTES: the largest args[0] KVM_CAP_SPLIT_IRQCHIP accepts. */
export const MAX_RESERVED_IOAPIC_PINS = 4096;

/** I/O APIC versions: 0x11 (82093AA, no EOI register), 0x20 (EOI register at offset 0x40). */
export type IoapicVersion = 0x11 | 0x20;
