/** Names of the three profiles a trace runs under. */
export interface ProfileNames {
  /** Kernel profile (legacy, v4, v6, upstream, ...). */
  kernel: string;
  /** VMM profile (ioapic-0x11, ioapic-0x20). */
  vmm: string;
  /** Guest profile (linux, windows-hyperv, credential-guard, adversarial). */
  guest: string;
}

/** The bounded machine a trace runs on. */
export interface Config {
  /** Number of vCPU ids available (ids 0..vcpus-1). */
  vcpus: number;
  /** Number of I/O APIC pins (0..pins-1). */
  pins: number;
}

/** Bounds the model accepts for a config. */
export const CONFIG_LIMITS = { vcpus: { min: 1, max: 8 }, pins: { min: 1, max: 24 } } as const;
