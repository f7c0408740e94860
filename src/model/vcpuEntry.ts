import { type Flow, sendToLapic } from './interruptFlow.js';
import { requestScans, scanOnEntry } from './routes.js';
import type { ModelState } from './state.js';

/**
 * A vCPU enters the guest (KVM_RUN) and carries out its pending requests. On its first entry the guest's boot
 * switches a CPUID-x2APIC vCPU to x2APIC mode through IA32_APIC_BASE, which changes KVM's APIC map, and
 * kvm_recalculate_apic_map() asks every vCPU to rescan.
 */
export function enterGuest(flow: Flow, vcpu: number): void {
  const lapic = flow.state.lapics[vcpu];
  if (lapic == null) return;
  sendToLapic(flow, vcpu, { type: 'RUN' });
  if (lapic.value.run === 'neverRun' && lapic.context.x2apic) requestScans(flow);
  scanOnEntry(flow, vcpu);
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
  return state.ioapic === 'kernel' && first >= 0 ? first : undefined;
}
