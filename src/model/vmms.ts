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

export const VMMS: ReadonlyMap<string, VmmProfile> = new Map(profiles.map((p) => [p.name, p]));

/** KVM's in-kernel I/O APIC, used whatever the VMM profile once KVM_CREATE_IRQCHIP succeeds. */
export const KERNEL_IOAPIC_VERSION: IoapicVersion = 0x11;
