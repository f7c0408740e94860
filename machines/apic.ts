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
  tpr: 0x808,
  ppr: 0x80a,
  eoi: 0x80b,
  ldr: 0x80d,
  spiv: 0x80f,
  esr: 0x828,
  selfIpi: 0x83f,
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

/**
 * x2APIC registers KVM implements that the LAPIC machine does not model, by name: a read or write of one is refused
 * rather than answered. Measured on Debian sid 7.2: RDMSR of each returns a value and WRMSR of 0 succeeds where the
 * machine would answer #GP; ICR writes send IPIs, which the model does not. Every other MSR in
 * 0x800-0x8ff is modelled, as test/corpus/upstream/x2apic-msr-map.json shows against the kernel.
 */
// Stryker disable StringLiteral: the names only word the refusal (two of them are tested word for word).
export const UNMODELLED_X2APIC_MSRS: ReadonlyMap<number, { name: string; read: boolean; write: boolean }> =
  new Map([
    [0x830, { name: 'ICR', read: true, write: true }],
    [0x832, { name: 'LVT timer', read: true, write: true }],
    [0x833, { name: 'LVT thermal', read: true, write: true }],
    [0x834, { name: 'LVT PMI', read: true, write: true }],
    [0x835, { name: 'LVT LINT0', read: true, write: true }],
    [0x836, { name: 'LVT LINT1', read: true, write: true }],
    [0x837, { name: 'LVT error', read: true, write: true }],
    [0x838, { name: 'timer initial count', read: true, write: true }],
    [0x839, { name: 'timer current count', read: true, write: false }],
    [0x83e, { name: 'timer divide', read: true, write: true }],
  ]);
// Stryker restore StringLiteral
