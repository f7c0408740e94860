import type { Config } from '../model/config.js';

/** How the VMM sets the VM up (DESIGN §2). */
export type Policy = 'none' | 'enable' | 'disable' | 'adversarial';

export const POLICIES: readonly Policy[] = ['none', 'enable', 'disable', 'adversarial'];

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
