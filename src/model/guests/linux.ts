import { MSR } from '../../../machines/apic.js';
import { canBoot, lapicEoi, serviceDevice, spivFor, takeInterrupt } from './habits.js';
import { explicitIoapicEoi } from './ioapicAck.js';
import type { GuestPhase, GuestProfile, GuestProgram } from './program.js';

/** x2APIC MSR of the TMR word holding `vector`. */
function tmrMsr(vector: number): number {
  return MSR.tmr0 + (vector >> 5);
}

/**
 * Linux's level-interrupt ack (ioapic_ack_level): after the handler has serviced the device, read TMR, LAPIC EOI
 * (broadcast: Linux never sets SPIV bit 12), and an explicit I/O APIC EOI only when TMR was clear, or always with
 * interrupt remapping (`remapped`).
 */
function linuxProgram(remapped: boolean): GuestProgram {
  return {
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
        case 'handling': {
          const idle: GuestPhase = { phase: 'idle', directed: false };
          if (phase.step === 'lapicEoiDone' || phase.step === 'pinMasked')
            return explicitIoapicEoi(state, phase);
          if (phase.step === 'tmrSet') return lapicEoi(vcpu, idle);
          if (phase.step === 'tmrClear') return lapicEoi(vcpu, { ...phase, step: 'lapicEoiDone' });
          const serviced = serviceDevice(state, phase.vector, phase);
          if (serviced !== null) return serviced;
          if (remapped) return lapicEoi(vcpu, { ...phase, step: 'lapicEoiDone' });
          return {
            command: { op: 'guest.rdmsr', vcpu, msr: tmrMsr(phase.vector) },
            after: (observed) => ({
              ...phase,
              step: ((observed.value ?? 0) >>> (phase.vector & 31)) & 1 ? 'tmrSet' : 'tmrClear',
            }),
          };
        }
        default:
          return null;
      }
    },
  };
}

/** Linux: never sets SPIV bit 12; relies on the broadcast, EOIs the I/O APIC itself only when TMR is clear. */
export const linux: GuestProfile = {
  name: 'linux',
  description:
    'Linux: never sets SPIV bit 12; services the device, reads TMR, LAPIC EOI; I/O APIC EOI only if TMR was clear',
  program: linuxProgram(false),
};

/** Linux with interrupt remapping: always an explicit I/O APIC EOI after the LAPIC EOI. */
export const linuxIr: GuestProfile = {
  name: 'linux-ir',
  description:
    'Linux with interrupt remapping: LAPIC EOI, then always the I/O APIC EOI (register on 0x20, else mask/edge/level)',
  program: linuxProgram(true),
};
