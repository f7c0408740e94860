import { MSR, SPIV_DIRECTED_EOI } from '../../../machines/apic.js';
import { lapicEoi, readLvr, serviceDevice, spivFor, takeInterrupt } from './habits.js';
import type { GuestProfile } from './program.js';

/**
 * Windows with Credential Guard (L1 hypervisor, device owned by L2). When LVR advertises directed EOI and its
 * SPIV bit 12 write sticks: 1. interrupt arrives, 2. L1 LAPIC EOI, 3. L1 resumes L2, 4. L2 services the device,
 * 5. L1 writes the I/O APIC EOI register. An interrupt pending between 2 and 4 is taken by L1 first. Otherwise
 * L1 defers the LAPIC EOI until L2 has serviced the device.
 */
export const credentialGuard: GuestProfile = {
  name: 'credential-guard',
  description:
    'Windows Credential Guard: with directed EOI, LAPIC EOI before L2 services the device, I/O APIC EOI last',
  program: {
    next(state, vcpu, phase) {
      switch (phase.phase) {
        case 'off':
          return readLvr(state, vcpu);
        case 'booting':
          return {
            command: { op: 'guest.wrmsr', vcpu, msr: MSR.spiv, value: BigInt(spivFor(phase.directed)) },
            after: () => ({ phase: 'probing', directed: phase.directed }),
          };
        case 'probing':
          return {
            command: { op: 'guest.rdmsr', vcpu, msr: MSR.spiv },
            after: (observed) => ({
              phase: 'idle',
              directed: ((observed.value ?? 0) & SPIV_DIRECTED_EOI) !== 0,
            }),
          };
        case 'idle':
          return takeInterrupt(state, vcpu, phase.directed);
        case 'handling': {
          const idle = { phase: 'idle', directed: phase.directed } as const;
          if (!phase.directed) return serviceDevice(state, phase.vector, phase) ?? lapicEoi(vcpu, idle);
          if (phase.step === 'accepted') return lapicEoi(vcpu, { ...phase, step: 'lapicEoiDone' });
          return (
            takeInterrupt(state, vcpu, true) ??
            serviceDevice(state, phase.vector, phase) ?? {
              command: { op: 'guest.ioapicEoi', vector: phase.vector },
              after: () => idle,
            }
          );
        }
        default:
          return null;
      }
    },
  },
};
