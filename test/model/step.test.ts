import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Command } from '../../src/model/command.js';
import { initialState, type ModelState } from '../../src/model/state.js';
import { MAX_REACTIONS, step } from '../../src/model/step.js';
import { registerVmm } from '../../src/model/vmms.js';
import { anyTrace } from '../arbitraries.js';
import { bootedSplit, levelPin5, orderedSetup, runCommands } from '../helpers.js';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function serial(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

const UPSTREAM = { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' };

/** A guest WRMSR on vCPU 0. */
const wrmsr = (msr: number, value: bigint): Command => ({ op: 'guest.wrmsr', vcpu: 0, msr, value });

describe('step (seed 2001)', () => {
  it('is pure and deterministic: frozen inputs, equal outputs for equal inputs', () => {
    fc.assert(
      fc.property(anyTrace(), (trace) => {
        let a: ModelState = deepFreeze(initialState(trace.profile, trace.config));
        let b: ModelState = initialState(trace.profile, trace.config);
        for (const command of trace.commands) {
          const before = serial(a);
          const ra = step(a, deepFreeze(command));
          const rb = step(b, structuredClone(command));
          expect(serial(a)).toBe(before);
          expect(serial(ra)).toBe(serial(rb));
          a = deepFreeze(ra.state);
          b = rb.state;
        }
      }),
      { seed: 2001, numRuns: 200 },
    );
  });

  it('bounds guest reactions per command', () => {
    fc.assert(
      fc.property(anyTrace(), (trace) => {
        let state = initialState(trace.profile, trace.config);
        for (const command of trace.commands) {
          const result = step(state, command);
          expect(result.observation.reactions?.length ?? 0).toBeLessThanOrEqual(MAX_REACTIONS);
          state = result.state;
        }
      }),
      { seed: 2001, numRuns: 200 },
    );
  });
});

describe('step: composition', () => {
  it('turns a guest EOI in split QUIRKED mode into KVM_EXIT_IOAPIC_EOI and a VMM re-delivery', () => {
    const commands: Command[] = [
      ...orderedSetup(undefined),
      { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x1ffn },
      levelPin5,
      { op: 'device.setLine', pin: 5, level: 1 },
      { op: 'guest.acceptInterrupt', vcpu: 0 },
      { op: 'guest.eoi', vcpu: 0 },
    ];
    const { observations } = runCommands(UPSTREAM, commands);
    expect(observations.at(-1)).toEqual({ exits: [64], deliveries: [64] });
  });

  it('hands the I/O APIC to KVM on KVM_CREATE_IRQCHIP, whose 0x11 has no EOI register', () => {
    const commands: Command[] = [
      { op: 'KVM_CREATE_IRQCHIP' },
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
      { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [], isr: [], tmr: [] },
      levelPin5,
      { op: 'device.setLine', pin: 5, level: 1 },
      { op: 'guest.acceptInterrupt', vcpu: 0 },
      { op: 'device.setLine', pin: 5, level: 0 },
      { op: 'guest.eoi', vcpu: 0 },
      { op: 'guest.ioapicEoi', vector: 64 },
    ];
    const { state } = runCommands(UPSTREAM, commands);
    expect(state.vm.value.irqchip).toBe('kernel');
    expect(state.pins[5]?.context.version).toBe(0x11);
    expect(state.pins[5]?.value).toBe('remoteIrrSet');
  });

  it('delivers to the destination vCPU only, and drops interrupts for a vCPU that does not exist', () => {
    const commands: Command[] = [
      { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { op: 'KVM_CREATE_VCPU', id: 1 },
      { op: 'KVM_SET_CPUID2', vcpu: 1, x2apic: true },
      { op: 'guest.wrmsr', vcpu: 1, msr: 0x80f, value: 0x1ffn },
      { ...levelPin5, dest: 1 },
      { op: 'device.setLine', pin: 5, level: 1 },
      { op: 'guest.ioapicWriteRte', pin: 6, vector: 80, trigger: 'edge', masked: false, dest: 3 },
      { op: 'device.setLine', pin: 6, level: 1 },
    ];
    const { observations, state } = runCommands(UPSTREAM, commands, { vcpus: 4, pins: 24 });
    expect(observations[6]?.deliveries).toEqual([64]);
    expect(state.lapics[1]?.context.irr).toEqual([64]);
    expect(state.lapics[0]?.context.irr).toEqual([]);
    expect(observations[8]?.deliveries).toEqual([]);
  });
});

describe('step: which vCPUs are asked to rescan (KVM_REQ_SCAN_IOAPIC)', () => {
  const config = { vcpus: 3, pins: 24 };
  const create = (id: number): Command => ({ op: 'KVM_CREATE_VCPU', id });
  const cpuid = (vcpu: number): Command => ({ op: 'KVM_SET_CPUID2', vcpu, x2apic: true });
  const spiv = (vcpu: number, value: bigint): Command => ({ op: 'guest.wrmsr', vcpu, msr: 0x80f, value });
  const enter = (vcpu: number): Command => ({ op: 'guest.rdmsr', vcpu, msr: 0x803 });
  /** Every vCPU created, x2APIC, software-enabled and entered again, so no rescan is pending. */
  const settled = (irqchip: Command): Command[] => [
    irqchip,
    ...[0, 1, 2].flatMap((vcpu) => [create(vcpu), cpuid(vcpu)]),
    ...[0, 1, 2].map((vcpu) => spiv(vcpu, 0x1ffn)),
    ...[0, 1, 2].map(enter),
  ];
  const split: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] };
  const kernel: Command = { op: 'KVM_CREATE_IRQCHIP' };
  const pending = (commands: Command[]) =>
    runCommands(UPSTREAM, commands, config).state.lapics.map((lapic) => lapic?.context.scanRequested ?? null);

  it('nobody once every vCPU has entered since', () => {
    expect(pending(settled(split))).toEqual([false, false, false]);
  });

  it('every vCPU on KVM_CREATE_VCPU, even one refused with -EEXIST', () => {
    const two = [split, create(0), cpuid(0), enter(0)];
    expect(pending([...two, create(1)])).toEqual([true, true, null]);
    expect(pending([...two, create(0)])).toEqual([true, null, null]);
  });

  it('every vCPU when a guest flips its APIC enable bit, nobody when it rewrites SPIV alike', () => {
    expect(pending([...settled(split), spiv(0, 0x1ffn)])).toEqual([false, false, false]);
    expect(pending([...settled(split), spiv(0, 0xffn)])).toEqual([true, true, true]);
  });

  it("only an entry's old and new destinations on KVM's I/O APIC; everyone on the VMM's re-route", () => {
    const toVcpu = (dest: number): Command => ({ ...levelPin5, dest });
    const moved = (irqchip: Command) => [...settled(irqchip), toVcpu(1), ...[0, 1, 2].map(enter), toVcpu(2)];
    // vCPU 0 writes (the lowest that has run) and re-enters between the halves.
    expect(pending(moved(kernel))).toEqual([false, true, true]);
    expect(pending([...settled(kernel), toVcpu(1), ...[0, 1, 2].map(enter), toVcpu(1)])).toEqual([
      false,
      true,
      false,
    ]);
    expect(pending(moved(split))).toEqual([false, true, true]);
    expect(pending([...settled(split), toVcpu(1), ...[0, 1, 2].map(enter), toVcpu(1)])).toEqual([
      false,
      true,
      true,
    ]);
  });
});

describe('step: the clock', () => {
  it('adds up, and lets a throttled re-delivery wait out its time', () => {
    const unregister = registerVmm({
      name: 'test-throttle-after-1',
      description: 'a 0x20 I/O APIC that waits 1000 ns before every re-delivery on EOI',
      ioapicVersion: 0x20,
      quirks: { throttleEois: 1, throttleNs: 1000 },
    });
    onTestFinished(unregister);
    const tick = (ns: number): Command => ({ op: 'clock.advance', ns });
    const { observations, state } = runCommands(
      { kernel: 'upstream', vmm: 'test-throttle-after-1', guest: 'adversarial' },
      [
        ...bootedSplit(undefined),
        levelPin5,
        { op: 'device.setLine', pin: 5, level: 1 },
        { op: 'guest.acceptInterrupt', vcpu: 0 },
        { op: 'guest.eoi', vcpu: 0 },
        tick(400),
        tick(600),
      ],
    );
    expect(observations.slice(-3).map((o) => o.deliveries)).toEqual([[], [], [64]]);
    expect(state.clockNs).toBe(1000);
  });
});

describe('step: commands outside the model', () => {
  const fresh = () => initialState(UPSTREAM, { vcpus: 1, pins: 2 });

  it('refuses them loudly: a vCPU that does not exist, an unknown ioctl or guest command', () => {
    expect(() => step(fresh(), { op: 'guest.eoi', vcpu: 0 })).toThrow('vCPU 0 does not exist');
    expect(() => step(fresh(), { op: 'KVM_RUN' } as unknown as Command)).toThrow('not an ioctl: KVM_RUN');
    expect(() => step(fresh(), { op: 'guest.hlt' } as unknown as Command)).toThrow(
      'not a guest, device or clock command: guest.hlt',
    );
  });
});

describe('step: a guest WRMSR the LAPIC takes without an event', () => {
  // The kernels raise no #GP for these (test/corpus/upstream/x2apic-priority-and-self-ipi.json and
  // spiv-bit12-dropped-without-lvr.json); a replay does not catch a fault the trace leaves unrecorded.
  it('does not fault: TPR written, ESR cleared, SPIV written with the enable bit kept', () => {
    const { observations } = runCommands(UPSTREAM, [
      ...orderedSetup(undefined),
      wrmsr(0x80f, 0x1ffn),
      wrmsr(0x808, 0x40n),
      wrmsr(0x828, 0n),
      wrmsr(0x80f, 0x1ffn),
    ]);
    expect(observations.slice(-3).map((o) => 'fault' in o)).toEqual([false, false, false]);
  });
});

describe('step: the upper half of a guest WRMSR', () => {
  // Bits 63:32 are reserved (kvm_lapic_msr_write() in arch/x86/kvm/lapic.c); bits 31:0 all set are a value like any
  // other, as both kernels answered in test/corpus/{upstream,legacy}/x2apic-msr-all-ones.json.
  it('faults for a value above 32 bits only, not for 0xffffffff', () => {
    const { observations } = runCommands(UPSTREAM, [
      ...orderedSetup(undefined),
      wrmsr(0x80f, 0xffff_ffffn),
      wrmsr(0x80b, 0xffff_ffffn),
      wrmsr(0x80b, 0x1_0000_0000n),
    ]);
    expect(observations.slice(-3).map((o) => o.fault)).toEqual([undefined, undefined, '#GP']);
  });
});

describe('step: KVM_GET_LAPIC', () => {
  // -EINVAL, as the kernels answered in test/corpus/upstream/no-irqchip-no-lapic.json; a failed ioctl copies nothing out.
  it('reads no register of a vCPU without an in-kernel LAPIC', () => {
    const { observations } = runCommands(UPSTREAM, [
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x30 },
    ]);
    expect(observations.at(-1)).toStrictEqual({ ret: -22 });
  });
});
