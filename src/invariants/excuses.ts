import { spivDirectedEoi } from '../../machines/lapic.js';
import { scanCovers } from '../../machines/wiring.js';
import { ioapicOwner, type ModelState } from '../model/state.js';
import type { Executed } from '../model/step.js';
import type { Excuse } from './invariant.js';

/**
 * Violations that are documented behaviour, not regressions: the legacy quirk, the consequences the patch itself
 * predicts for a misconfigured VMM, and known findings (docs/findings.md). An invariant lists the ones it may meet
 * (`Invariant.excuses`); a violation one of them covers is still reported, marked expected with its reason, and
 * any other is unexpected.
 */
const REASONS = {
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

function excuse(reason: string, applies: (executed: Executed) => boolean): Excuse {
  return { reason, applies };
}

/** Each documented behaviour with the condition, at the violating command, under which it applies. */
export const EXCUSES = {
  quirk: excuse(
    REASONS.quirk,
    ({ before }) => before.vm.value.irqchip === 'split' && before.vm.value.seoib === 'quirked',
  ),
  disabledIgnoresSpiv: excuse(
    REASONS.disabledIgnoresSpiv,
    ({ before }) => before.vm.value.seoib === 'disabled',
  ),
  inconsistentRestore: excuse(REASONS.inconsistentRestore, ({ before }) => guestDirectedWithoutSpiv(before)),
  kernelIoapicDirected: excuse(
    REASONS.kernelIoapicDirected,
    ({ before }) => ioapicOwner(before) === 'kernel',
  ),
  enableWithoutEoiRegister: excuse(
    REASONS.enableWithoutEoiRegister,
    ({ before }) => before.vm.value.seoib === 'enabled' && before.pins[0]?.context.version === 0x11,
  ),
  edgeSwitchKeepsRemoteIrr: excuse(
    REASONS.edgeSwitchKeepsRemoteIrr,
    ({ before }) => before.pins[0]?.context.quirks.edgeSwitchClearsRemoteIrr === false,
  ),
  reservedPins: excuse(REASONS.reservedPins, ({ before }) => routesBeyondReservedPins(before)),
  staleLvr: excuse(REASONS.staleLvr, ({ command }) => command.op === 'KVM_ENABLE_CAP'),
  rawSpiv: excuse(
    REASONS.rawSpiv,
    ({ command }) => command.op === 'KVM_SET_LAPIC' || command.op === 'KVM_SET_CPUID2',
  ),
  applyFirstWhatIf: excuse(
    REASONS.applyFirstWhatIf,
    ({ before }) => before.vm.context.traits.appliesBeforeChecking,
  ),
  lockedWhatIf: excuse(REASONS.lockedWhatIf, ({ before }) => before.vm.context.traits.modeLockedAfterVcpus),
  draftAdvertises: excuse(
    REASONS.draftAdvertises,
    ({ before }) => !before.vm.context.traits.vmFdHidesEnableWithoutSplit,
  ),
} as const;

/** What a storm or an early unmask may be: the quirk, a DISABLE that ignores SPIV, a restore out of step. */
export const BROADCAST_EXCUSES: readonly Excuse[] = [
  EXCUSES.quirk,
  EXCUSES.disabledIgnoresSpiv,
  EXCUSES.inconsistentRestore,
];

/** What a refused ioctl that still changed the VM may be: the apply-first what-if. */
export const IOCTL_EXCUSES: readonly Excuse[] = [EXCUSES.applyFirstWhatIf];
