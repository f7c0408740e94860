import { spivDirectedEoi } from '../../machines/lapic.js';
import { scanCovers } from '../../machines/wiring.js';
import { ioapicOwner, type ModelState } from '../model/state.js';
import type { Executed } from '../model/step.js';

/**
 * Violations that are documented behaviour, not regressions: the legacy quirk, the consequences the patch itself
 * predicts for a misconfigured VMM, and known findings (docs/findings.md). Each is still reported, marked
 * expected with its reason; anything else is an unexpected violation.
 */
export const REASONS = {
  quirk: 'legacy quirk: a split irqchip advertises directed EOI but KVM still exits on every LAPIC EOI',
  enableWithoutEoiRegister:
    'ENABLE with an I/O APIC that has no EOI register (patch: "interrupts being stuck masked in the userspace I/O APIC")',
  kernelIoapicDirected:
    'in-kernel I/O APIC honours SPIV bit 12 (set raw by KVM_SET_LAPIC) without an EOI register (patch: "respected (with odd behavior)")',
  reservedPins: 'the VMM reserved fewer pins (KVM_CAP_SPLIT_IRQCHIP args[0]) than the I/O APIC pin it routes',
  staleLvr:
    'LVR is recomputed only on KVM_SET_CPUID2 before the first run, reset/INIT and KVM_SET_LAPIC (DESIGN §1; docs/findings.md)',
  disabledIgnoresSpiv:
    'DISABLED never suppresses, yet KVM let the guest hold SPIV bit 12 (LVR stale after a late DISABLE, or SPIV restored raw): it still gets broadcast EOIs (docs/findings.md)',
  rawSpiv: 'KVM_SET_LAPIC stores SPIV raw, bit 12 included, whatever LVR says (DESIGN §1)',
  lockedWhatIf:
    'what-if upstream-vcpu-lock refuses mode changes after vCPUs but CHECK_EXTENSION still offers bit 2 (docs/findings.md)',
  applyFirstWhatIf:
    'what-if upstream-apply-first sets the flags before checking them, so a refused call changes the VM (the patch checks first, under kvm->lock)',
  edgeSwitchKeepsRemoteIrr:
    "the VMM's I/O APIC keeps Remote IRR when the guest switches an in-service level entry to edge (cloud-hypervisor), and the edge route takes the vector out of KVM's EOI-exit bitmap, so no EOI reaches the pin (docs/findings.md F7)",
  inconsistentRestore:
    'KVM_SET_LAPIC restored SPIV without bit 12 while the guest runs as if it had opted in: KVM broadcasts its EOIs as SPIV says (a restore that does not match the guest; QEMU migrates SPIV whole)',
  draftAdvertises:
    'this draft advertises bit 2 on every fd (v6: "We always advertise it in KVM_CHECK_EXTENSION")',
} as const;

/** Some vCPU's guest believes it runs with directed EOI while its SPIV says it does not: a restore out of step. */
function guestDirectedWithoutSpiv(state: ModelState): boolean {
  return state.guest.some((phase, vcpu) => {
    const lapic = state.lapics[vcpu];
    return 'directed' in phase && phase.directed && lapic != null && !spivDirectedEoi(lapic.value);
  });
}

/** A split irqchip with a level entry on a pin KVM's scan does not cover (nr_reserved_ioapic_pins too low). */
function routesBeyondReservedPins(state: ModelState): boolean {
  if (state.vm.value.irqchip !== 'split') return false;
  return state.pins.some((pin, index) => pin.context.trigger === 'level' && !scanCovers(state.vm, index));
}

/** Why a violation of `invariant` at this command is documented behaviour, or undefined if it is not. */
export function expectedReason(invariant: string, { command, before }: Executed): string | undefined {
  const vm = before.vm.value;
  switch (invariant) {
    case 'no-storm':
    case 'no-unmask-before-ioapic-eoi':
      if (vm.irqchip === 'split' && vm.seoib === 'quirked') return REASONS.quirk;
      if (vm.seoib === 'disabled') return REASONS.disabledIgnoresSpiv;
      return guestDirectedWithoutSpiv(before) ? REASONS.inconsistentRestore : undefined;
    case 'no-stuck-pin':
      if (ioapicOwner(before) === 'kernel') return REASONS.kernelIoapicDirected;
      if (vm.seoib === 'enabled' && before.pins[0]?.context.version === 0x11)
        return REASONS.enableWithoutEoiRegister;
      if (before.pins[0]?.context.quirks.edgeSwitchClearsRemoteIrr === false)
        return REASONS.edgeSwitchKeepsRemoteIrr;
      return routesBeyondReservedPins(before) ? REASONS.reservedPins : undefined;
    case 'no-missed-eoi-quirk':
      return routesBeyondReservedPins(before) ? REASONS.reservedPins : undefined;
    case 'lvr-advertise':
      return command.op === 'KVM_ENABLE_CAP' ? REASONS.staleLvr : undefined;
    case 'spiv-needs-lvr':
      return command.op === 'KVM_SET_LAPIC' || command.op === 'KVM_SET_CPUID2' ? REASONS.rawSpiv : undefined;
    case 'flags-exclusive':
    case 'enable-needs-split':
    case 'failed-ioctl-atomic':
      return before.vm.context.traits.appliesBeforeChecking ? REASONS.applyFirstWhatIf : undefined;
    case 'check-extension-truthful':
      if (before.vm.context.traits.modeLockedAfterVcpus) return REASONS.lockedWhatIf;
      return before.vm.context.traits.vmFdHidesEnableWithoutSplit ? undefined : REASONS.draftAdvertises;
    default:
      return undefined;
  }
}
