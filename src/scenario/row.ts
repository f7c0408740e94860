import type { Config } from '../model/config.js';
import { VMMS } from '../model/vmms.js';

/** How the VMM sets the VM up (DESIGN §2), or `native`: what the named VMM does by itself. */
export type Policy = 'none' | 'enable' | 'disable' | 'native' | 'adversarial';

export const POLICIES: readonly Policy[] = ['none', 'enable', 'disable', 'native', 'adversarial'];

/** Whether the row's policy applies to its VMM: `native` only to a VMM profile that has a native setup. */
export function policyApplies(vmm: string, policy: Policy): boolean {
  return policy !== 'native' || VMMS.get(vmm)?.native !== undefined;
}

/** One campaign row: kernel, VMM, setup policy and guest. */
export interface Row {
  /** Kernel profile. */
  kernel: string;
  /** VMM profile. */
  vmm: string;
  /** Setup policy. */
  policy: Policy;
  /** Guest profile. */
  guest: string;
  /** Bounded machine. */
  config: Config;
}

export function rowName(row: Row): string {
  return `${row.kernel}/${row.vmm}/${row.policy}/${row.guest}`;
}

/** The bounded machine fuzzing uses unless told otherwise: one vCPU, two pins. */
export const DEFAULT_FUZZ_CONFIG: Config = { vcpus: 1, pins: 2 };

export function makeRow(
  kernel: string,
  vmm: string,
  policy: Policy,
  guest: string,
  config = DEFAULT_FUZZ_CONFIG,
): Row {
  return { kernel, vmm, policy, guest, config };
}

/**
 * The rows the patch promises clean for every guest: upstream with ENABLE and an I/O APIC with an EOI register,
 * and upstream with DISABLE and either I/O APIC, the flag set before the vCPUs.
 */
export function promiseRows(guests: readonly string[], config = DEFAULT_FUZZ_CONFIG): Row[] {
  return [
    ...guests.map((g) => makeRow('upstream', 'ioapic-0x20', 'enable', g, config)),
    ...['ioapic-0x11', 'ioapic-0x20'].flatMap((vmm) =>
      guests.map((g) => makeRow('upstream', vmm, 'disable', g, config)),
    ),
  ];
}
