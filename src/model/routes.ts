import type { LapicEvent } from '../../machines/lapic.js';
import { type Flow, sendToLapic } from './interruptFlow.js';
import * as vectors from './vectorSet.js';

/**
 * KVM_REQ_SCAN_IOAPIC: recomputes every vCPU's EOI-exit bitmap from the level-triggered redirection entries
 * (kvm_ioapic_scan_entry() in-kernel, kvm_scan_ioapic_routes() over the VMM's MSI routes in split mode, where
 * only GSIs below nr_reserved_ioapic_pins are scanned). A vector routed elsewhere stays handled while pending here.
 */
export function rescanRoutes(flow: Flow): void {
  const { vm, pins, lapics, ioapic } = flow.state;
  if (vm.value.irqchip === 'none') return;
  const scanned = pins.filter(
    (p, pin) => p.context.trigger === 'level' && (ioapic === 'kernel' || pin < vm.context.reservedPins),
  );
  lapics.forEach((lapic, vcpu) => {
    if (lapic == null || lapic.value.apic === 'absent') return;
    const event: LapicEvent = {
      type: 'SCAN_ROUTES',
      targeted: vectors.fromList(scanned.filter((p) => p.context.dest === vcpu).map((p) => p.context.vector)),
      elsewhere: vectors.fromList(
        scanned.filter((p) => p.context.dest !== vcpu).map((p) => p.context.vector),
      ),
    };
    sendToLapic(flow, vcpu, event);
  });
}
