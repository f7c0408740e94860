import {
  eoiEvent,
  isRtcPin,
  KVM_IOAPIC,
  type PinContext,
  type PinEmitted,
  type PinEvent,
  type PinInput,
  RTC_GSI,
  UNACCEPTED,
} from './ioapicPin.js';
import {
  deliverEvent,
  type LapicContext,
  type LapicEmitted,
  type LapicEvent,
  type LapicInput,
  type LapicValue,
  SIGNAL,
  scanRoutesEvent,
  softwareEnabled,
  x2apicMode,
} from './lapic.js';
import * as vectors from './vectorSet.js';
import type { VmContext, VmEmitted, VmValue } from './vm.js';

/** The machines' snapshots as the wiring reads them: one VM, a LAPIC per vCPU id (null before it exists), the pins. */
export interface Machines {
  /** The VM machine. */
  vm: { value: VmValue; context: VmContext };
  /** LAPIC machines by vCPU id. */
  lapics: readonly ({ value: LapicValue; context: LapicContext } | null)[];
  /** I/O APIC pin machines by pin number. */
  pins: readonly { context: PinContext }[];
}

/** Which instances of a machine a send reaches: one, some (in vCPU order, each once), or every existing one. */
export type Reach = number | readonly number[] | 'every';

/** What a wire does with one emitted event. */
export type Send =
  /**
   * An event to LAPICs; `unless`: when no LAPIC reached emits `answer` (or none exists), `send` goes instead;
   * `tally`: then the vCPUs that did answer go back in one send.
   */
  | {
      to: 'lapic';
      at: Reach;
      event: LapicEvent;
      unless?: { answer: LapicEmitted['type']; send: Send };
      tally?: (answered: readonly number[]) => Send;
    }
  /** An event to one pin, or to every pin of the I/O APIC. */
  | { to: 'ioapicPin'; at: number | 'every'; event: PinEvent }
  /** A LAPIC machine starts (KVM_CREATE_VCPU). */
  | { to: 'lapic'; start: LapicInput }
  /** Every pin machine starts afresh as another I/O APIC's (KVM_CREATE_IRQCHIP). */
  | { to: 'ioapicPin'; start: Omit<PinInput, 'pin'> }
  /** Kept for the command's observation: an EOI exit, a delivery latched in IRR, a pin whose Remote IRR an EOI cleared. */
  | { to: 'observation'; record: 'exits' | 'deliveries' | 'eoiedPins'; value: number };

/** One wire: where an event a machine emits goes, and where KVM does the same. */
export interface Wire<E> {
  /** The machine that emits. */
  from: 'vm' | 'lapic' | 'ioapicPin';
  /** Where its sends go. */
  to: readonly ('lapic' | 'ioapicPin' | 'observation')[];
  /** What arrives where, in words, for diagrams. */
  label: string;
  /** The kernel function that carries it. */
  kernel: string;
  /** The sends, in order, for one emitted event. */
  route: (emitted: E, machines: Machines) => readonly Send[];
}

type WiresOf<E extends { type: string }> = { readonly [T in E['type']]?: Wire<Extract<E, { type: T }>> };

// Sends that carry nothing of the emitted event are built once: routes run on every step.
const EVERY_VCPU_RESCANS: readonly Send[] = [{ to: 'lapic', at: 'every', event: SIGNAL.REQUEST_SCAN }];
const NOTHING: readonly Send[] = [];

/** APIC_BROADCAST: the physical broadcast destination of an xAPIC, and of an 8-bit I/O APIC entry. */
export const BROADCAST_DEST = 0xff;

/**
 * kvm_apic_match_dest() for a message of the I/O APIC (no source, no shorthand, physical mode): kvm_apic_mda()
 * widens 0xff to the x2APIC broadcast for an x2APIC-mode target unless KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK is
 * set, then kvm_apic_match_physical_addr() matches the broadcast of the target's mode or its APIC ID.
 */
export function matchesDest(machines: Machines, vcpu: number, dest: number): boolean {
  const lapic = machines.lapics[vcpu];
  if (lapic == null || lapic.value.apic === 'absent') return false;
  if (dest === BROADCAST_DEST)
    return !x2apicMode(lapic.value, lapic.context) || !machines.vm.context.broadcastQuirkDisabled;
  return dest === lapic.context.id;
}

/**
 * Where a message of the I/O APIC to `dest` goes (kvm_irq_delivery_to_apic(), kvm_bitmap_or_dest_vcpus()). Through
 * the optimised APIC map (kvm_apic_map_get_dest_lapic(), built once a vCPU has an in-kernel APIC) to the APIC of
 * that ID, unless kvm_apic_is_broadcast_dest() calls it a broadcast: 0xff, and with the broadcast quirk disabled
 * only while no software-enabled APIC is in x2APIC mode (the map's logical mode); a broadcast in x2APIC logical mode
 * reaches no APIC. Without the map, or for a broadcast, every present APIC matchesDest() decides, and when none
 * does, `slowPathFoundNone`: __kvm_irq_delivery_to_apic() returns -1, which ioapic_service() counts as delivered.
 */
export function destinationOf(
  machines: Machines,
  dest: number,
): { vcpus: number[]; slowPathFoundNone: boolean } {
  const broadcast = dest === BROADCAST_DEST;
  if (broadcast && machines.vm.context.broadcastQuirkDisabled && x2apicLogicalMode(machines))
    return { vcpus: [], slowPathFoundNone: false };
  const vcpus: number[] = [];
  machines.lapics.forEach((_, vcpu) => {
    if (matchesDest(machines, vcpu, dest)) vcpus.push(vcpu);
  });
  const slowPath =
    broadcast || !machines.lapics.some((lapic) => lapic != null && lapic.value.apic !== 'absent');
  return { vcpus, slowPathFoundNone: slowPath && vcpus.length === 0 };
}

/** The APIC map's logical mode is x2APIC: a software-enabled APIC is in x2APIC mode (kvm_recalculate_logical_map()). */
function x2apicLogicalMode(machines: Machines): boolean {
  return machines.lapics.some(
    (lapic) =>
      lapic != null &&
      // Stryker disable next-line ConditionalExpression: an absent APIC is never software-enabled (SPIV writes #GP).
      lapic.value.apic !== 'absent' &&
      softwareEnabled(lapic.context) &&
      x2apicMode(lapic.value, lapic.context),
  );
}

/**
 * vcpu_scan_ioapic(): the vCPU's new EOI-exit bitmap from the level-triggered redirection entries:
 * kvm_ioapic_scan_entry() over every pin of KVM's I/O APIC, kvm_scan_ioapic_routes() over the VMM's MSI routes
 * in split mode, where only GSIs below nr_reserved_ioapic_pins are scanned.
 */
export function scanCovers(vm: Machines['vm'], pin: number): boolean {
  return vm.value.irqchip === 'kernel' || pin < vm.context.reservedPins;
}

/**
 * Whether the scan keeps a vector still pending on the vCPU from an entry aimed elsewhere: KVM's I/O APIC always
 * has (kvm_ioapic_scan_entry()), split-mode routes only since the kernel's 6.16 rework (KernelTraits.rescansStaleEoi;
 * measured: bookworm's 6.1 exits on no such EOI, sid's 7.2 does).
 */
function keepsOldRoutes(machines: Machines, vcpu: number): boolean {
  return machines.vm.value.irqchip === 'kernel' || machines.lapics[vcpu]?.context.rescansStaleEoi === true;
}

/**
 * kvm_ioapic_scan_entry() scans the level entries and KVM's RTC pin whatever its trigger, and keeps the vector of
 * an RTC interrupt the vCPU has still to EOI ("make sure we see any missing RTC EOI").
 */
function scanRoutes(machines: Machines, vcpu: number): LapicEvent {
  const targeted: number[] = [];
  const elsewhere: number[] = [];
  machines.pins.forEach(({ context }, pin) => {
    if ((context.trigger === 'level' || isRtcPin(context)) && scanCovers(machines.vm, pin))
      (matchesDest(machines, vcpu, context.dest) ? targeted : elsewhere).push(context.vector);
  });
  for (const unacked of machines.pins[RTC_GSI]?.context.rtcPending ?? [])
    if (unacked.vcpu === vcpu) targeted.push(unacked.vector);
  return scanRoutesEvent(
    vectors.fromList(targeted),
    keepsOldRoutes(machines, vcpu) ? vectors.fromList(elsewhere) : [],
  );
}

function rtcAccepted(pin: number): (vcpus: readonly number[]) => Send {
  return (vcpus) => ({ to: 'ioapicPin', at: pin, event: { type: 'RTC_ACCEPTED', vcpus } });
}

function broadcastEoi(vector: number): Send {
  return { to: 'ioapicPin', at: 'every', event: eoiEvent(vector, 'broadcast') };
}

/** What the VM machine's events reach. */
export const VM_WIRES: WiresOf<VmEmitted> = {
  ioapicCreated: {
    from: 'vm',
    to: ['ioapicPin'],
    label: "every pin restarts as KVM's I/O APIC",
    kernel: 'kvm_arch_vm_ioctl(KVM_CREATE_IRQCHIP) → kvm_ioapic_init()',
    route: () => [{ to: 'ioapicPin', start: KVM_IOAPIC }],
  },
  vcpuCreated: {
    from: 'vm',
    to: ['lapic'],
    label: "the vCPU's LAPIC starts",
    kernel: 'kvm_vm_ioctl_create_vcpu() → kvm_create_lapic()',
    route: (e) => [{ to: 'lapic', start: e.lapic }],
  },
  apicMapChanged: {
    from: 'vm',
    to: ['lapic'],
    label: 'REQUEST_SCAN to every vCPU',
    kernel: 'kvm_recalculate_apic_map() → kvm_make_scan_ioapic_request()',
    route: () => EVERY_VCPU_RESCANS,
  },
};

/** What a LAPIC machine's events reach. */
export const LAPIC_WIRES: WiresOf<LapicEmitted> = {
  apicMapChanged: {
    from: 'lapic',
    to: ['lapic'],
    label: 'REQUEST_SCAN to every vCPU',
    kernel: 'kvm_recalculate_apic_map() → kvm_make_scan_ioapic_request()',
    route: () => EVERY_VCPU_RESCANS,
  },
  entered: {
    from: 'lapic',
    to: ['lapic'],
    label: 'SCAN_ROUTES to the entering vCPU if it was asked to rescan',
    kernel: 'vcpu_enter_guest(): kvm_check_request(KVM_REQ_SCAN_IOAPIC) → vcpu_scan_ioapic()',
    route: (e, machines) =>
      machines.lapics[e.vcpu]?.context.scanRequested === true
        ? [{ to: 'lapic', at: e.vcpu, event: scanRoutes(machines, e.vcpu) }]
        : NOTHING,
  },
  injected: {
    from: 'lapic',
    to: ['observation'],
    label: 'a delivery, observed',
    kernel: '__apic_accept_irq()',
    route: (e) => [{ to: 'observation', record: 'deliveries', value: e.vector }],
  },
  eoiExit: {
    from: 'lapic',
    to: ['observation', 'ioapicPin'],
    label: "KVM_EXIT_IOAPIC_EOI: the VMM's I/O APIC takes a broadcast EOI on every pin",
    kernel: 'kvm_ioapic_send_eoi() → KVM_REQ_IOAPIC_EOI_EXIT (split irqchip)',
    route: (e) => [{ to: 'observation', record: 'exits', value: e.vector }, broadcastEoi(e.vector)],
  },
  kvmIoapicEoi: {
    from: 'lapic',
    to: ['ioapicPin'],
    label: "RTC_EOI to KVM's RTC pin",
    kernel: 'kvm_ioapic_update_eoi() → rtc_irq_eoi()',
    route: (e) => [
      { to: 'ioapicPin', at: RTC_GSI, event: { type: 'RTC_EOI', vcpu: e.vcpu, vector: e.vector } },
    ],
  },
  stateRestored: {
    from: 'lapic',
    to: ['ioapicPin'],
    label: "RTC_RESTORE to KVM's RTC pin",
    kernel: 'kvm_apic_set_state() → kvm_rtc_eoi_tracking_restore_one()',
    route: (e, machines) =>
      machines.vm.value.irqchip === 'kernel' && machines.pins.length > RTC_GSI
        ? [{ to: 'ioapicPin', at: RTC_GSI, event: rtcRestore(machines, e.vcpu) }]
        : NOTHING,
  },
  ioapicEoi: {
    from: 'lapic',
    to: ['ioapicPin'],
    label: "KVM's I/O APIC takes a broadcast EOI on every pin",
    kernel: 'kvm_ioapic_send_eoi() → kvm_ioapic_update_eoi()',
    route: (e) => [broadcastEoi(e.vector)],
  },
};

/** What KVM's RTC pin hears of a vCPU's restored registers: does its entry reach the vCPU, with its vector pending? */
function rtcRestore(machines: Machines, vcpu: number): PinEvent {
  const rtc = machines.pins[RTC_GSI]?.context as PinContext;
  const lapic = machines.lapics[vcpu]?.context;
  return {
    type: 'RTC_RESTORE',
    vcpu,
    reached: matchesDest(machines, vcpu, rtc.dest),
    pending:
      lapic !== undefined && (vectors.has(lapic.irr, rtc.vector) || vectors.has(lapic.isr, rtc.vector)),
  };
}

/** What an I/O APIC pin machine's events reach. */
export const PIN_WIRES: WiresOf<PinEmitted> = {
  deliver: {
    from: 'ioapicPin',
    to: ['lapic', 'ioapicPin'],
    label: 'DELIVER to the destination LAPICs; UNACCEPTED back unless one injected it',
    kernel: 'ioapic_service() → kvm_irq_delivery_to_apic()',
    route: (e, machines) => {
      const { vcpus, slowPathFoundNone } = destinationOf(machines, e.dest);
      const unaccepted: Send = { to: 'ioapicPin', at: e.pin, event: UNACCEPTED };
      if (vcpus.length === 0) return slowPathFoundNone ? NOTHING : [unaccepted];
      const deliver: Send = {
        to: 'lapic',
        at: vcpus,
        event: deliverEvent(e.vector, e.level),
        unless: { answer: 'injected', send: unaccepted },
      };
      return e.tracked ? [{ ...deliver, tally: rtcAccepted(e.pin) }] : [deliver];
    },
  },
  routeChanged: {
    from: 'ioapicPin',
    to: ['lapic'],
    label: 'REQUEST_SCAN to the vCPUs its old and new destinations reach',
    kernel:
      'ioapic_write_indirect() → kvm_bitmap_or_dest_vcpus(), kvm_make_scan_ioapic_request_mask(); split: kvm_set_irq_routing()',
    route: (e, machines) => [
      {
        to: 'lapic',
        at: e.dests === 'every' ? 'every' : e.dests.flatMap((dest) => destinationOf(machines, dest).vcpus),
        event: SIGNAL.REQUEST_SCAN,
      },
    ],
  },
  remoteIrrCleared: {
    from: 'ioapicPin',
    to: ['observation'],
    label: 'an EOIed pin, observed',
    kernel: 'kvm_ioapic_update_eoi_one()',
    route: (e) => [{ to: 'observation', record: 'eoiedPins', value: e.pin }],
  },
};

/** Every wire by id (`lapic.eoiExit`): what coverage counts and `export machines` draws. */
export const WIRES: ReadonlyMap<string, Wire<never>> = new Map(
  [VM_WIRES, LAPIC_WIRES, PIN_WIRES].flatMap((wires) =>
    Object.entries(wires).map(([type, wire]) => [
      `${(wire as Wire<never>).from}.${type}`,
      wire as Wire<never>,
    ]),
  ),
);
