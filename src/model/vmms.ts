import type { IoapicVersion } from './apic.js';

/** A VMM profile: the userspace I/O APIC behind a split irqchip. */
export interface VmmProfile {
  /** Profile name used in traces and on the command line. */
  name: string;
  /** One line for `seoib profiles`. */
  description: string;
  /** Version of its I/O APIC; 0x20 and later have the EOI register. */
  ioapicVersion: IoapicVersion;
}

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
];

const registry = new Map(profiles.map((p) => [p.name, p]));

export const VMMS: ReadonlyMap<string, VmmProfile> = registry;

/**
 * Adds a VMM project's own profile, so rows and traces can name it. Built-in names are refused; registering a
 * custom name again replaces it.
 */
export function registerVmm(profile: VmmProfile): void {
  if (profiles.some((builtIn) => builtIn.name === profile.name)) {
    throw new Error(`registerVmm: "${profile.name}" is a built-in VMM profile; choose another name`);
  }
  registry.set(profile.name, profile);
}

/** KVM's in-kernel I/O APIC, used whatever the VMM profile once KVM_CREATE_IRQCHIP succeeds. */
export const KERNEL_IOAPIC_VERSION: IoapicVersion = 0x11;
