import type { LapicEvent } from '../../machines/lapic.js';
import * as vectors from '../../machines/vectorSet.js';
import { type Flow, sendToLapic } from './interruptFlow.js';

/**
 * KVM_REQ_SCAN_IOAPIC, made to `vcpus` (every vCPU by default, as kvm_make_scan_ioapic_request() does). A vCPU
 * acts on it only when it next enters the guest (scanOnEntry), so until then its EOI-exit bitmap stays as it was.
 */
export function requestScans(flow: Flow, vcpus?: readonly number[]): void {
  if (flow.state.vm.value.irqchip === 'none') return;
  flow.state.lapics.forEach((lapic, vcpu) => {
    // Stryker disable next-line ConditionalExpression: sendToLapic ignores a vCPU that does not exist.
    if (lapic != null && (vcpus === undefined || vcpus.includes(vcpu)))
      sendToLapic(flow, vcpu, { type: 'REQUEST_SCAN' });
  });
}

/**
 * vcpu_scan_ioapic() at a vCPU's entry when a scan was requested: recomputes its EOI-exit bitmap from the
 * level-triggered redirection entries (kvm_ioapic_scan_entry() in-kernel, kvm_scan_ioapic_routes() over the
 * VMM's MSI routes in split mode, where only GSIs below nr_reserved_ioapic_pins are scanned). A vector routed
 * elsewhere stays handled while pending here.
 */
export function scanOnEntry(flow: Flow, vcpu: number): void {
  const { vm, pins, lapics, ioapic } = flow.state;
  if (lapics[vcpu]?.context.scanRequested !== true) return;
  const scanned = pins.filter(
    (p, pin) => p.context.trigger === 'level' && (ioapic === 'kernel' || pin < vm.context.reservedPins),
  );
  const event: LapicEvent = {
    type: 'SCAN_ROUTES',
    targeted: vectors.fromList(scanned.filter((p) => p.context.dest === vcpu).map((p) => p.context.vector)),
    // Stryker disable next-line MethodExpression,ConditionalExpression: a targeted vector is in the bitmap anyway.
    elsewhere: vectors.fromList(scanned.filter((p) => p.context.dest !== vcpu).map((p) => p.context.vector)),
  };
  sendToLapic(flow, vcpu, event);
}
