import { credentialGuard } from './credentialGuard.js';
import type { GuestProfile } from './program.js';

/**
 * Xen as L1: sets SPIV bit 12 when LVR offers directed EOI, and with it acks a level interrupt at the LAPIC as soon
 * as it arrives (ack_new), EOIing the I/O APIC once its guest has serviced the device: Credential Guard's ordering.
 */
export const xenL1: GuestProfile = {
  name: 'xen-l1',
  description:
    'Xen as L1: SPIV bit 12 when LVR offers it; LAPIC EOI on arrival, I/O APIC EOI after its guest services the device',
  program: credentialGuard.program,
};
