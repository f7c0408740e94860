import type { IoapicVersion } from '../../machines/apic.js';
import { EOI_THROTTLE, type IoapicQuirks, KVM_IOAPIC, NO_QUIRKS } from '../../machines/ioapicPin.js';

/** What a VMM sets up by itself: the setup policy `native`. */
export interface NativeSetup {
  /** `split`: KVM_CAP_SPLIT_IRQCHIP and the VMM's own I/O APIC; `kernel`: KVM_CREATE_IRQCHIP (KVM's I/O APIC). */
  irqchip: 'split' | 'kernel';
  /** The Suppress EOI Broadcast flag it sets before creating vCPUs. */
  flag: 'none' | 'enable' | 'disable';
}

/** A VMM profile: the userspace I/O APIC behind a split irqchip, and what the VMM sets up by itself. */
export interface VmmProfile {
  /** Profile name used in traces and on the command line. */
  name: string;
  /** One line for `seoib profiles`. */
  description: string;
  /** Version of its I/O APIC; 0x20 and later have the EOI register. */
  ioapicVersion: IoapicVersion;
  /** Where its I/O APIC departs from the textbook one (absent: nowhere). */
  quirks?: Partial<IoapicQuirks>;
  /** Its own setup, run by the `native` policy (absent: the profile has no native setup). */
  native?: NativeSetup;
}

const qemuNative: NativeSetup = { irqchip: 'split', flag: 'none' };

const profiles: readonly VmmProfile[] = [
  {
    name: 'ioapic-0x11',
    description:
      'userspace I/O APIC 0x11: no EOI register; on an EOI exit clears Remote IRR, re-delivers an asserted line',
    ioapicVersion: 0x11,
  },
  {
    name: 'ioapic-0x20',
    description:
      'userspace I/O APIC 0x20: EOI register (directed EOI); on an EOI exit clears Remote IRR, re-delivers',
    ioapicVersion: 0x20,
  },
  {
    name: 'qemu',
    description:
      'QEMU (hw/intc/ioapic.c) 0x20: re-delivers at once, waits 10 ms after 10000 EOIs; sets no flag',
    ioapicVersion: 0x20,
    quirks: EOI_THROTTLE,
    native: qemuNative,
  },
  {
    name: 'qemu-0x11',
    description: 'QEMU with ioapic.version=0x11 (machine types <= 2.7): no EOI register; sets no flag',
    ioapicVersion: 0x11,
    quirks: EOI_THROTTLE,
    native: qemuNative,
  },
  {
    name: 'qemu-rfc',
    description: "QEMU with the March 2026 RFC, 0x20: sets ENABLE (the RFC's choice for an EOI register)",
    ioapicVersion: 0x20,
    quirks: EOI_THROTTLE,
    native: { irqchip: 'split', flag: 'enable' },
  },
  {
    name: 'qemu-rfc-0x11',
    description:
      "QEMU with the March 2026 RFC, ioapic.version=0x11: sets DISABLE (the RFC's choice without one)",
    ioapicVersion: 0x11,
    quirks: EOI_THROTTLE,
    native: { irqchip: 'split', flag: 'disable' },
  },
  {
    name: 'crosvm',
    description:
      'crosvm (devices/src/irqchip/ioapic.rs) 0x20: re-services asserted pins on EOI, no throttle; sets no flag',
    ioapicVersion: 0x20,
    native: qemuNative,
  },
  {
    name: 'cloud-hypervisor',
    description:
      'cloud-hypervisor (devices/src/ioapic.rs) 0x11: EOI clears Remote IRR without re-checking the line; an edge switch keeps it',
    ioapicVersion: 0x11,
    quirks: { eoiRechecksLine: false, edgeSwitchClearsRemoteIrr: false },
    native: qemuNative,
  },
  {
    name: 'firecracker',
    description: "Firecracker: KVM's in-kernel irqchip (I/O APIC 0x11, KVM re-injects); sets no flag",
    ioapicVersion: 0x11,
    native: { irqchip: 'kernel', flag: 'none' },
  },
];

const registry = new Map(profiles.map((p) => [p.name, p]));

export const VMMS: ReadonlyMap<string, VmmProfile> = registry;

/** The profile's I/O APIC behaviour, its quirks over the textbook one. */
export function quirksOf(profile: VmmProfile): IoapicQuirks {
  return { ...NO_QUIRKS, ...profile.quirks };
}

/**
 * Adds a VMM project's own profile, so rows and traces can name it. Built-in names are refused; registering a
 * custom name again replaces it. Returns what undoes it (a test's cleanup): the name goes back to what it named.
 */
export function registerVmm(profile: VmmProfile): () => void {
  if (profiles.some((builtIn) => builtIn.name === profile.name)) {
    throw new Error(`registerVmm: "${profile.name}" is a built-in VMM profile; choose another name`);
  }
  const replaced = registry.get(profile.name);
  registry.set(profile.name, profile);
  return () => {
    if (replaced === undefined) registry.delete(profile.name);
    else registry.set(profile.name, replaced);
  };
}

/** KVM's in-kernel I/O APIC (KVM_IOAPIC), used whatever the VMM profile once KVM_CREATE_IRQCHIP succeeds. */
export const KERNEL_IOAPIC: VmmProfile = {
  name: 'kvm',
  description:
    "KVM's in-kernel I/O APIC (ioapic.c): 0x11, throttles like QEMU, Remote IRR only if accepted, EOI services every pin of the vector",
  ioapicVersion: KVM_IOAPIC.version,
  quirks: KVM_IOAPIC.quirks,
};
