import { describe, expect, it } from 'vitest';
import { KVM_IOAPIC } from '../../machines/ioapicPin.js';
import { FLAG_DISABLE_BROADCAST_QUIRK } from '../../machines/vm.js';
import {
  destinationOf,
  LAPIC_WIRES,
  type Machines,
  matchesDest,
  PIN_WIRES,
  scanCovers,
  VM_WIRES,
  WIRES,
} from '../../machines/wiring.js';
import type { Command } from '../../src/model/command.js';
import { initialState } from '../../src/model/state.js';
import { bootedSplit, runCommands } from '../helpers.js';

const profile = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'linux' } as const;
const adversarial = { ...profile, guest: 'adversarial' };

const splitVmCommands: Command[] = [
  { op: 'KVM_CREATE_VCPU', id: 0 },
  { op: 'KVM_CREATE_VCPU', id: 1 },
  { op: 'guest.ioapicWriteRte', pin: 0, vector: 64, dest: 0, trigger: 'level', masked: true },
  { op: 'guest.ioapicWriteRte', pin: 1, vector: 80, dest: 1, trigger: 'level', masked: true },
  { op: 'guest.ioapicWriteRte', pin: 2, vector: 96, dest: 0, trigger: 'edge', masked: true },
];

/** A VM with a split irqchip reserving `reserved` pins, vCPUs 0 and 1 (never run), level entries on pins 0-2. */
function splitVm(reserved: number): Machines {
  const { state } = runCommands(
    profile,
    [{ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [reserved] }, ...splitVmCommands],
    { vcpus: 2, pins: 3 },
  );
  return state;
}

describe('wiring: what a scan covers', () => {
  it("covers every pin of KVM's I/O APIC, and in split mode only the pins below nr_reserved_ioapic_pins", () => {
    const vm = (irqchip: 'kernel' | 'split' | 'none', reservedPins: number) =>
      ({ value: { irqchip, seoib: 'quirked', vcpus: 'some' }, context: { reservedPins } }) as Machines['vm'];
    expect([0, 23].map((pin) => scanCovers(vm('kernel', 0), pin))).toEqual([true, true]);
    expect([0, 1, 2].map((pin) => scanCovers(vm('split', 2), pin))).toEqual([true, true, false]);
    expect(scanCovers(vm('none', 0), 0)).toBe(false);
  });

  it('a vCPU entering with a scan requested gets the level entries it is the destination of, and the others', () => {
    const machines = splitVm(24);
    const requested = {
      ...machines,
      lapics: machines.lapics.map((l) => l && { ...l, context: { ...l.context, scanRequested: true } }),
    };
    expect(LAPIC_WIRES.entered?.route({ type: 'entered', vcpu: 1 }, requested)).toEqual([
      { to: 'lapic', at: 1, event: { type: 'SCAN_ROUTES', targeted: [80], elsewhere: [64] } },
    ]);
    const fewer = splitVm(1);
    const fewerRequested = { ...fewer, lapics: requested.lapics };
    expect(LAPIC_WIRES.entered?.route({ type: 'entered', vcpu: 1 }, fewerRequested)).toEqual([
      { to: 'lapic', at: 1, event: { type: 'SCAN_ROUTES', targeted: [], elsewhere: [64] } },
    ]);
  });

  it('a vCPU entering without a scan request sends nothing', () => {
    const machines = splitVm(24);
    const idle = {
      ...machines,
      lapics: machines.lapics.map((l) => l && { ...l, context: { ...l.context, scanRequested: false } }),
    };
    expect(LAPIC_WIRES.entered?.route({ type: 'entered', vcpu: 0 }, idle)).toEqual([]);
  });
});

/** Two booted vCPUs (x2APIC mode, software-enabled) on a split irqchip with these X2APIC_API flags. */
function bootedVm(flags: number | undefined): Machines {
  return runCommands(profile, [...bootedSplit(flags, 0x1ff, 2), { op: 'guest.acceptInterrupt', vcpu: 1 }], {
    vcpus: 2,
    pins: 2,
  }).state;
}

describe('wiring: where an I/O APIC message goes (kvm_irq_delivery_to_apic())', () => {
  const deliver = (dest: number, vm: Machines) =>
    PIN_WIRES.deliver?.route({ type: 'deliver', pin: 1, vector: 64, dest, level: true, tracked: false }, vm);
  const unaccepted = { to: 'ioapicPin', at: 1, event: { type: 'UNACCEPTED' } };
  const to = (vcpus: number[]) => [
    {
      to: 'lapic',
      at: vcpus,
      event: { type: 'DELIVER', vector: 64, level: true },
      unless: { answer: 'injected', send: unaccepted },
    },
  ];

  it('reaches the APIC of its ID through the map, and none for an ID of no vCPU (UNACCEPTED: KVM returns 0)', () => {
    expect(deliver(1, bootedVm(undefined))).toEqual(to([1]));
    expect(deliver(7, bootedVm(undefined))).toEqual([unaccepted]);
    expect(destinationOf(bootedVm(undefined), 7)).toEqual({ vcpus: [], slowPathFoundNone: false });
  });

  it('0xff is a broadcast to every APIC with the broadcast quirk, x2APIC mode or not', () => {
    expect(deliver(0xff, bootedVm(undefined))).toEqual(to([0, 1]));
    expect(deliver(0xff, splitVm(24))).toEqual(to([0, 1]));
    expect(matchesDest(bootedVm(undefined), 0, 0xff)).toBe(true);
  });

  it('0xff without the quirk: dropped once an enabled APIC is in x2APIC mode, else the xAPIC-mode APICs take it', () => {
    const quirkOff = bootedVm(FLAG_DISABLE_BROADCAST_QUIRK);
    expect(deliver(0xff, quirkOff)).toEqual([unaccepted]);
    expect(matchesDest(quirkOff, 0, 0xff)).toBe(false);
    const notRun = runCommands(
      profile,
      [
        { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
        { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [FLAG_DISABLE_BROADCAST_QUIRK] },
        ...splitVmCommands,
      ],
      { vcpus: 2, pins: 3 },
    ).state;
    expect(deliver(0xff, notRun)).toEqual(to([0, 1]));
  });

  it('with no APIC to reach, the slow path finds none and returns -1, which counts as delivered: nothing is sent', () => {
    const noVcpu = initialState(profile, { vcpus: 2, pins: 2 });
    expect(destinationOf(noVcpu, 0)).toEqual({ vcpus: [], slowPathFoundNone: true });
    expect(deliver(0, noVcpu)).toEqual([]);
  });
});

describe("wiring: the slow path and the map's logical mode (kvm_apic_is_broadcast_dest(), kvm_apic_map_get_dest_lapic())", () => {
  const quirkOff = FLAG_DISABLE_BROADCAST_QUIRK;

  it('a broadcast that reaches APICs is no slow-path miss', () => {
    expect(destinationOf(bootedVm(undefined), 0xff)).toEqual({ vcpus: [0, 1], slowPathFoundNone: false });
  });

  it('0xff without the quirk to software-disabled x2APIC-mode APICs: no x2APIC logical mode, and the slow path finds none', () => {
    const disabled = runCommands(profile, bootedSplit(quirkOff, 0xff, 2), { vcpus: 2, pins: 2 }).state;
    expect(destinationOf(disabled, 0xff)).toEqual({ vcpus: [], slowPathFoundNone: true });
  });

  it('one enabled x2APIC-mode APIC puts the map in x2APIC logical mode: 0xff reaches not even an xAPIC-mode APIC', () => {
    const mixed = runCommands(
      profile,
      [
        ...bootedSplit(quirkOff, 0x1ff, 1),
        { op: 'KVM_CREATE_VCPU', id: 1 },
        { op: 'KVM_SET_CPUID2', vcpu: 1, x2apic: false },
        { op: 'guest.acceptInterrupt', vcpu: 1 },
      ],
      { vcpus: 2, pins: 2 },
    ).state;
    expect(matchesDest(mixed, 1, 0xff)).toBe(true);
    expect(destinationOf(mixed, 0xff)).toEqual({ vcpus: [], slowPathFoundNone: false });
  });

  it('a vCPU without an in-kernel APIC is no APIC to reach: the slow path finds none', () => {
    const noApic = runCommands(profile, [{ op: 'KVM_CREATE_VCPU', id: 0 }], { vcpus: 1, pins: 2 }).state;
    expect(destinationOf(noApic, 0)).toEqual({ vcpus: [], slowPathFoundNone: true });
  });
});

describe("wiring: the scan of KVM's I/O APIC (kvm_ioapic_scan_entry())", () => {
  /** KVM's I/O APIC on `kernel`, vCPUs 0 and 1 asked to rescan, a level entry to each, the RTC pin's as given. */
  function inKernel(kernel: string, rtc: Partial<Machines['pins'][number]['context']> = {}): Machines {
    const { state } = runCommands(
      { ...profile, kernel },
      [
        { op: 'KVM_CREATE_IRQCHIP' },
        { op: 'KVM_CREATE_VCPU', id: 0 },
        { op: 'KVM_CREATE_VCPU', id: 1 },
        { op: 'guest.ioapicWriteRte', pin: 0, vector: 64, dest: 0, trigger: 'level', masked: true },
        { op: 'guest.ioapicWriteRte', pin: 1, vector: 80, dest: 1, trigger: 'level', masked: true },
      ],
      { vcpus: 2, pins: 9 },
    );
    return {
      ...state,
      lapics: state.lapics.map((l) => l && { ...l, context: { ...l.context, scanRequested: true } }),
      pins: state.pins.map((p, pin) => (pin === 8 ? { ...p, context: { ...p.context, ...rtc } } : p)),
    };
  }
  const scan = (machines: Machines, vcpu: number) =>
    LAPIC_WIRES.entered?.route({ type: 'entered', vcpu }, machines)[0];

  it('keeps the vectors of entries routed elsewhere before 6.16 too, the RTC pin whatever its trigger', () => {
    expect(scan(inKernel('legacy', { vector: 96, dest: 0 }), 1)).toMatchObject({
      event: { targeted: [80], elsewhere: [64, 96] },
    });
  });

  it("adds the RTC vector a vCPU still owes an EOI for, and only that vCPU's", () => {
    const owedBy1 = inKernel('upstream', { vector: 96, dest: 7, rtcPending: [{ vcpu: 1, vector: 96 }] });
    expect(scan(owedBy1, 1)).toMatchObject({ event: { targeted: [80, 96] } });
    expect(scan(owedBy1, 0)).toMatchObject({ event: { targeted: [64] } });
  });
});

describe("wiring: KVM_SET_LAPIC and KVM's RTC pin (kvm_rtc_eoi_tracking_restore_one())", () => {
  function restored(pins: number, lapic: { irr?: number[]; isr?: number[] }) {
    const { state } = runCommands(
      profile,
      [
        { op: 'KVM_CREATE_IRQCHIP' },
        { op: 'KVM_CREATE_VCPU', id: 0 },
        ...(pins > 8
          ? [
              {
                op: 'guest.ioapicWriteRte',
                pin: 8,
                vector: 96,
                dest: 0,
                trigger: 'edge',
                masked: false,
              } as Command,
            ]
          : []),
      ],
      { vcpus: 1, pins },
    );
    const withRegisters = {
      ...state,
      lapics: state.lapics.map(
        (l) => l && { ...l, context: { ...l.context, irr: lapic.irr ?? [], isr: lapic.isr ?? [] } },
      ),
    };
    return LAPIC_WIRES.stateRestored?.route({ type: 'stateRestored', vcpu: 0 }, withRegisters);
  }

  it('tells the RTC pin whether the vector is pending, in IRR or in ISR', () => {
    const restore = (pending: boolean) => [
      { to: 'ioapicPin', at: 8, event: { type: 'RTC_RESTORE', vcpu: 0, reached: true, pending } },
    ];
    expect(restored(24, { irr: [96] })).toEqual(restore(true));
    expect(restored(24, { isr: [96] })).toEqual(restore(true));
    expect(restored(24, { irr: [64], isr: [80] })).toEqual(restore(false));
  });

  it('sends nothing when the bounded I/O APIC has no RTC pin', () => {
    expect(restored(8, { irr: [96] })).toEqual([]);
  });
});

describe('wiring: where each emitted event goes', () => {
  const machines = () => initialState(profile, { vcpus: 2, pins: 2 });

  it('an EOI exit is observed and reaches every pin as a broadcast EOI; an in-kernel EOI only the latter', () => {
    const broadcast = {
      to: 'ioapicPin',
      at: 'every',
      event: { type: 'EOI', vector: 80, source: 'broadcast' },
    };
    expect(LAPIC_WIRES.eoiExit?.route({ type: 'eoiExit', vector: 80 }, machines())).toEqual([
      { to: 'observation', record: 'exits', value: 80 },
      broadcast,
    ]);
    expect(LAPIC_WIRES.ioapicEoi?.route({ type: 'ioapicEoi', vector: 80 }, machines())).toEqual([broadcast]);
  });

  it('APIC map changes ask every vCPU to rescan; an entry write asks the vCPUs its destinations reach', () => {
    const every = [{ to: 'lapic', at: 'every', event: { type: 'REQUEST_SCAN' } }];
    expect(VM_WIRES.apicMapChanged?.route({ type: 'apicMapChanged' }, machines())).toEqual(every);
    expect(LAPIC_WIRES.apicMapChanged?.route({ type: 'apicMapChanged' }, machines())).toEqual(every);
    const vm = splitVm(24);
    const rescan = (dests: number[] | 'every') =>
      PIN_WIRES.routeChanged?.route({ type: 'routeChanged', dests }, vm);
    expect(rescan([1, 0])).toEqual([{ to: 'lapic', at: [1, 0], event: { type: 'REQUEST_SCAN' } }]);
    expect(rescan([0xff, 7])).toEqual([{ to: 'lapic', at: [0, 1], event: { type: 'REQUEST_SCAN' } }]);
    expect(rescan('every')).toEqual(every);
  });

  it("KVM_CREATE_IRQCHIP restarts the pins as KVM's, KVM_CREATE_VCPU starts the LAPIC the VM describes", () => {
    expect(VM_WIRES.ioapicCreated?.route({ type: 'ioapicCreated' }, machines())).toEqual([
      { to: 'ioapicPin', start: KVM_IOAPIC },
    ]);
    const lapic = { id: 1, inKernel: true, rescansStaleEoi: true };
    expect(VM_WIRES.vcpuCreated?.route({ type: 'vcpuCreated', lapic }, machines())).toEqual([
      { to: 'lapic', start: lapic },
    ]);
  });

  it('deliveries and cleared Remote IRRs are observed', () => {
    expect(LAPIC_WIRES.injected?.route({ type: 'injected', vector: 64 }, machines())).toEqual([
      { to: 'observation', record: 'deliveries', value: 64 },
    ]);
    expect(PIN_WIRES.remoteIrrCleared?.route({ type: 'remoteIrrCleared', pin: 1 }, machines())).toEqual([
      { to: 'observation', record: 'eoiedPins', value: 1 },
    ]);
  });

  it('labels each wire in words a diagram can quote, and cites the kernel function', () => {
    for (const wire of WIRES.values()) {
      expect(wire.label).toMatch(/^[^"]{10,}$/);
      expect(wire.kernel).toMatch(/[a-z_]+\(\)/);
    }
  });

  it('names each wire by its machine and event', () => {
    expect([...WIRES.keys()]).toEqual([
      'vm.ioapicCreated',
      'vm.vcpuCreated',
      'vm.apicMapChanged',
      'lapic.apicMapChanged',
      'lapic.entered',
      'lapic.injected',
      'lapic.eoiExit',
      'lapic.kvmIoapicEoi',
      'lapic.stateRestored',
      'lapic.ioapicEoi',
      'ioapicPin.deliver',
      'ioapicPin.routeChanged',
      'ioapicPin.remoteIrrCleared',
    ]);
  });
});

const boot: Command[] = [
  { op: 'KVM_CREATE_VCPU', id: 0 },
  { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
  { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x1ffn },
];
const level = (pin: number): Command => ({
  op: 'guest.ioapicWriteRte',
  pin,
  vector: 64 + pin,
  trigger: 'level',
  masked: false,
  dest: 0,
});
const enter: Command = { op: 'guest.rdmsr', vcpu: 0, msr: 0x803 };

describe('wiring: KVM_REQ_SCAN_IOAPIC end to end', () => {
  it('without an irqchip, ask nobody: KVM has no I/O APIC to scan', () => {
    const { state } = runCommands(
      adversarial,
      [
        { op: 'KVM_CREATE_VCPU', id: 0 },
        { op: 'KVM_CREATE_VCPU', id: 1 },
      ],
      {
        vcpus: 2,
        pins: 24,
      },
    );
    expect(state.lapics.map((lapic) => lapic?.context.scanRequested)).toEqual([false, false]);
  });

  it('in split mode, scan only the GSIs below nr_reserved_ioapic_pins into the EOI-exit bitmap', () => {
    const split: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [5] };
    const { state } = runCommands(adversarial, [split, ...boot, level(4), level(5), enter]);
    expect(state.lapics[0]?.context.eoiExit).toEqual([68]);
  });

  it("with KVM's I/O APIC, scan every level entry aimed at the vCPU, and the RTC pin (8) whatever its trigger", () => {
    const { state } = runCommands(adversarial, [
      { op: 'KVM_CREATE_IRQCHIP' },
      ...boot,
      level(4),
      level(5),
      enter,
    ]);
    // Pin 8's entry is still the reset one, masked edge vector 0 to APIC 0: kvm_ioapic_scan_entry() takes it anyway.
    expect(state.lapics[0]?.context.eoiExit).toEqual([0, 68, 69]);
    const rtcEdge: Command = {
      op: 'guest.ioapicWriteRte',
      pin: 8,
      vector: 80,
      trigger: 'edge',
      masked: false,
      dest: 0,
    };
    const after = runCommands(adversarial, [
      { op: 'KVM_CREATE_IRQCHIP' },
      ...boot,
      rtcEdge,
      level(4),
      enter,
    ]).state;
    expect(after.lapics[0]?.context.eoiExit).toEqual([68, 80]);
  });
});

describe("wiring: KVM's RTC EOI tracking", () => {
  const rtcVm = (irqchip: Command) =>
    runCommands(
      adversarial,
      [
        irqchip,
        ...[0, 1].flatMap((vcpu): Command[] => [
          { op: 'KVM_CREATE_VCPU', id: vcpu },
          { op: 'KVM_SET_CPUID2', vcpu, x2apic: true },
          { op: 'guest.wrmsr', vcpu, msr: 0x80f, value: 0x1ffn },
        ]),
        { op: 'guest.ioapicWriteRte', pin: 8, vector: 80, trigger: 'edge', masked: false, dest: 0xff },
      ],
      { vcpus: 2, pins: 9 },
    ).state;

  it('a tracked delivery tallies the vCPUs that injected it back to the pin', () => {
    const route = PIN_WIRES.deliver?.route(
      { type: 'deliver', pin: 8, vector: 80, dest: 0xff, level: false, tracked: true },
      rtcVm({ op: 'KVM_CREATE_IRQCHIP' }),
    );
    const [send] = route ?? [];
    expect(send).toMatchObject({ to: 'lapic', at: [0, 1] });
    expect(send !== undefined && 'tally' in send ? send.tally?.([1]) : undefined).toEqual({
      to: 'ioapicPin',
      at: 8,
      event: { type: 'RTC_ACCEPTED', vcpus: [1] },
    });
  });

  it("an EOI heard by KVM's I/O APIC goes to pin 8; a restored vCPU is re-derived only with KVM's I/O APIC", () => {
    const kernel = rtcVm({ op: 'KVM_CREATE_IRQCHIP' });
    expect(LAPIC_WIRES.kvmIoapicEoi?.route({ type: 'kvmIoapicEoi', vcpu: 1, vector: 80 }, kernel)).toEqual([
      { to: 'ioapicPin', at: 8, event: { type: 'RTC_EOI', vcpu: 1, vector: 80 } },
    ]);
    expect(LAPIC_WIRES.stateRestored?.route({ type: 'stateRestored', vcpu: 1 }, kernel)).toEqual([
      { to: 'ioapicPin', at: 8, event: { type: 'RTC_RESTORE', vcpu: 1, reached: true, pending: false } },
    ]);
    const split = rtcVm({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] });
    expect(LAPIC_WIRES.stateRestored?.route({ type: 'stateRestored', vcpu: 1 }, split)).toEqual([]);
  });

  it('end to end: a broadcast RTC interrupt is owed by both vCPUs, coalesced until both EOI', () => {
    const commands: Command[] = [
      { op: 'KVM_CREATE_IRQCHIP' },
      ...[0, 1].flatMap((vcpu): Command[] => [
        { op: 'KVM_CREATE_VCPU', id: vcpu },
        { op: 'KVM_SET_CPUID2', vcpu, x2apic: true },
        { op: 'guest.wrmsr', vcpu, msr: 0x80f, value: 0x1ffn },
      ]),
      { op: 'guest.ioapicWriteRte', pin: 8, vector: 80, trigger: 'edge', masked: false, dest: 0xff },
      { op: 'device.setLine', pin: 8, level: 1 },
      { op: 'device.setLine', pin: 8, level: 0 },
      { op: 'guest.acceptInterrupt', vcpu: 0 },
      { op: 'guest.eoi', vcpu: 0 },
      { op: 'device.setLine', pin: 8, level: 1 },
      { op: 'device.setLine', pin: 8, level: 0 },
      { op: 'guest.acceptInterrupt', vcpu: 1 },
      { op: 'guest.eoi', vcpu: 1 },
      { op: 'device.setLine', pin: 8, level: 1 },
    ];
    const { observations, state } = runCommands(adversarial, commands, { vcpus: 2, pins: 9 });
    // The first raise reaches both; the second comes while vCPU 1 still owes its EOI; the third after both EOIs.
    expect([8, 12, 16].map((index) => observations[index]?.deliveries)).toEqual([[80, 80], [], [80, 80]]);
    expect(observations[14]?.vector).toBe(80);
    expect(state.pins[8]?.context.rtcPending).toEqual([
      { vcpu: 0, vector: 80 },
      { vcpu: 1, vector: 80 },
    ]);
  });
});
