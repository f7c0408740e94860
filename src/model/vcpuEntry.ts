import { SIGNAL } from '../../machines/lapic.js';
import { type Flow, sendToLapic } from './interruptFlow.js';
import { ioapicOwner, type ModelState } from './state.js';

/** A vCPU enters the guest (KVM_RUN); its LAPIC machine and the wiring carry out its pending requests. */
export function enterGuest(flow: Flow, vcpu: number): void {
  sendToLapic(flow, vcpu, SIGNAL.RUN);
}

/**
 * The vCPU whose guest writes the I/O APIC's MMIO registers (guest.ioapicWriteRte, guest.ioapicEoi): the
 * lowest-numbered vCPU that has run; if none has, the lowest-numbered vCPU with KVM's I/O APIC, or none with the
 * VMM's (the write goes straight to the VMM). The kernel runner writes from the same vCPU.
 */
export function ioapicWriter(state: ModelState): number | undefined {
  const ran = state.lapics.findIndex((lapic) => lapic?.value.run === 'hasRun');
  if (ran >= 0) return ran;
  const first = state.lapics.findIndex((lapic) => lapic != null);
  return ioapicOwner(state) === 'kernel' && first >= 0 ? first : undefined;
}
