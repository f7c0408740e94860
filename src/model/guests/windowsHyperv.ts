import { MSR } from '../../../machines/apic.js';
import { lapicEoi, readLvr, serviceDevice, spivFor, takeInterrupt } from './habits.js';
import type { GuestProfile } from './program.js';

/**
 * Windows with the Hyper-V role: sets SPIV bit 12 whenever LVR bit 24 is set, without checking the I/O APIC
 * version; services the device, LAPIC EOI, then the I/O APIC EOI register when it chose directed EOI.
 */
export const windowsHyperv: GuestProfile = {
  name: 'windows-hyperv',
  description:
    'Windows + Hyper-V role: SPIV bit 12 whenever LVR bit 24; LAPIC EOI then I/O APIC EOI register',
  program: {
    next(state, vcpu, phase) {
      switch (phase.phase) {
        case 'off':
          return readLvr(state, vcpu);
        case 'booting':
          return {
            command: { op: 'guest.wrmsr', vcpu, msr: MSR.spiv, value: BigInt(spivFor(phase.directed)) },
            after: () => ({ phase: 'idle', directed: phase.directed }),
          };
        case 'idle':
          return takeInterrupt(state, vcpu, phase.directed);
        case 'handling': {
          const idle = { phase: 'idle', directed: phase.directed } as const;
          if (phase.step === 'lapicEoiDone') {
            return { command: { op: 'guest.ioapicEoi', vector: phase.vector }, after: () => idle };
          }
          return (
            serviceDevice(state, phase.vector, phase) ??
            lapicEoi(vcpu, phase.directed ? { ...phase, step: 'lapicEoiDone' } : idle)
          );
        }
        default:
          return null;
      }
    },
  },
};
