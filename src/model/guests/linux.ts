import { MSR } from '../apic.js';
import { canBoot, lapicEoi, serviceDevice, spivFor, takeInterrupt } from './habits.js';
import type { GuestProfile } from './program.js';

/** Linux: never sets SPIV bit 12; services the device, then the LAPIC EOI broadcasts to the I/O APIC. */
export const linux: GuestProfile = {
  name: 'linux',
  description: 'Linux: never sets SPIV bit 12; services the device, then LAPIC EOI (relies on the broadcast)',
  program: {
    next(state, vcpu, phase) {
      switch (phase.phase) {
        case 'off':
          if (!canBoot(state, vcpu)) return null;
          return {
            command: { op: 'guest.wrmsr', vcpu, msr: MSR.spiv, value: BigInt(spivFor(false)) },
            after: () => ({ phase: 'idle', directed: false }),
          };
        case 'idle':
          return takeInterrupt(state, vcpu, false);
        case 'handling':
          return (
            serviceDevice(state, phase.vector, phase) ?? lapicEoi(vcpu, { phase: 'idle', directed: false })
          );
        default:
          return null;
      }
    },
  },
};
