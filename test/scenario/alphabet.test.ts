import { describe, expect, it } from 'vitest';
import { MAX_RESERVED_IOAPIC_PINS } from '../../machines/apic.js';
import { FLAG_ENABLE_SEOIB } from '../../machines/vm.js';
import type { Command } from '../../src/model/command.js';
import { initialState, type ModelState } from '../../src/model/state.js';
import { step } from '../../src/model/step.js';
import { accepted, alphabet, commandsFor, FUZZ_VECTORS, ioctls } from '../../src/scenario/alphabet.js';
import { makeRow } from '../../src/scenario/row.js';

const config = { vcpus: 2, pins: 2 };
const row = (policy: 'adversarial' | 'enable', guest: string) =>
  makeRow('upstream', 'ioapic-0x20', policy, guest, config);
const ops = (commands: readonly Command[]) => new Set(commands.map((c) => c.op));
const fresh = () => initialState({ kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' }, config);
const stateAfter = (commands: readonly Command[], state = fresh()): ModelState =>
  commands.reduce((s, command) => step(s, command).state, state);

describe('ioctls', () => {
  it('covers capability checks, both irqchips, every split pin count class, every X2APIC_API flag set tried', () => {
    const out = ioctls(config, []);
    expect(out).toContainEqual({ op: 'KVM_CHECK_EXTENSION', fd: 'vm', cap: 'KVM_CAP_X2APIC_API' });
    expect(out).toContainEqual({ op: 'KVM_CREATE_IRQCHIP' });
    for (const pins of [2, 1, MAX_RESERVED_IOAPIC_PINS + 1])
      expect(out).toContainEqual({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [pins] });
    for (const flags of [0, 3, 4, 8, 12, 16])
      expect(out).toContainEqual({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [flags] });
    expect(out.filter((c) => c.op === 'KVM_CREATE_VCPU')).toEqual([
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { op: 'KVM_CREATE_VCPU', id: 1 },
    ]);
    expect(out.some((c) => 'vcpu' in c)).toBe(false);
  });

  it('adds CPUID, SET_LAPIC and GET_LAPIC of LVR and SPIV for each existing vCPU', () => {
    expect(ioctls(config, [1]).filter((c) => 'vcpu' in c)).toEqual([
      { op: 'KVM_SET_CPUID2', vcpu: 1, x2apic: true },
      { op: 'KVM_SET_CPUID2', vcpu: 1, x2apic: false },
      { op: 'KVM_SET_LAPIC', vcpu: 1, spiv: 0x1ff, irr: [], isr: [], tmr: [] },
      { op: 'KVM_SET_LAPIC', vcpu: 1, spiv: 0x11ff, irr: [], isr: [], tmr: [] },
      { op: 'KVM_GET_LAPIC', vcpu: 1, reg: 0x30 },
      { op: 'KVM_GET_LAPIC', vcpu: 1, reg: 0xf0 },
    ]);
  });
});

describe('commandsFor', () => {
  it('draws ioctls only under the adversarial policy and guest CPU commands only for the adversarial guest', () => {
    expect(ops(commandsFor(row('adversarial', 'adversarial'), [0]))).toEqual(
      new Set([
        'KVM_CHECK_EXTENSION',
        'KVM_CREATE_IRQCHIP',
        'KVM_ENABLE_CAP',
        'KVM_CREATE_VCPU',
        'KVM_SET_CPUID2',
        'KVM_SET_LAPIC',
        'KVM_GET_LAPIC',
        'guest.ioapicWriteRte',
        'guest.wrmsr',
        'guest.rdmsr',
        'guest.acceptInterrupt',
        'guest.eoi',
        'guest.init',
        'guest.ioapicEoi',
        'device.setLine',
        'clock.advance',
      ]),
    );
    expect(ops(commandsFor(row('enable', 'linux'), [0]))).toEqual(
      new Set(['guest.ioapicWriteRte', 'device.setLine', 'clock.advance']),
    );
  });

  it('programs every pin with every fuzz vector, trigger and destination, and can mask each pin', () => {
    const rtes = commandsFor(row('enable', 'linux'), [0, 1]).filter((c) => c.op === 'guest.ioapicWriteRte');
    expect(rtes).toHaveLength(config.pins * (FUZZ_VECTORS.length * config.vcpus * 2 + 1));
    for (const pin of [0, 1])
      for (const vector of FUZZ_VECTORS)
        for (const dest of [0, 1])
          for (const trigger of ['level', 'edge'])
            expect(rtes).toContainEqual({
              op: 'guest.ioapicWriteRte',
              pin,
              vector,
              trigger,
              masked: false,
              dest,
            });
    expect(rtes.filter((c) => c.masked)).toEqual(
      [0, 1].map((pin) => ({
        op: 'guest.ioapicWriteRte',
        pin,
        vector: 64,
        trigger: 'level',
        masked: true,
        dest: 0,
      })),
    );
  });

  it('gives the adversarial guest SPIV with and without bit 12, LVR writes and reads, EOIs and INIT per vCPU', () => {
    const guest = commandsFor(row('enable', 'adversarial'), [1]).filter(
      (c) => c.op.startsWith('guest.') && c.op !== 'guest.ioapicWriteRte',
    );
    expect(guest).toEqual([
      { op: 'guest.wrmsr', vcpu: 1, msr: 0x80f, value: 0x1ffn },
      { op: 'guest.wrmsr', vcpu: 1, msr: 0x80f, value: 0x11ffn },
      { op: 'guest.wrmsr', vcpu: 1, msr: 0x803, value: 0n },
      { op: 'guest.rdmsr', vcpu: 1, msr: 0x803 },
      { op: 'guest.rdmsr', vcpu: 1, msr: 0x80f },
      { op: 'guest.acceptInterrupt', vcpu: 1 },
      { op: 'guest.eoi', vcpu: 1 },
      { op: 'guest.init', vcpu: 1 },
      { op: 'guest.ioapicEoi', vector: 64 },
      { op: 'guest.ioapicEoi', vector: 80 },
    ]);
  });

  it('raises and lowers every line and advances the clock by 1 ms', () => {
    const device = commandsFor(row('enable', 'linux'), []).filter((c) => !c.op.startsWith('guest.'));
    expect(device).toEqual([
      { op: 'device.setLine', pin: 0, level: 1 },
      { op: 'device.setLine', pin: 0, level: 0 },
      { op: 'device.setLine', pin: 1, level: 1 },
      { op: 'device.setLine', pin: 1, level: 0 },
      { op: 'clock.advance', ns: 1_000_000 },
    ]);
  });
});

describe('alphabet', () => {
  it('offers vCPU commands for the vCPUs that exist in the state, in id order', () => {
    const vcpus = (state: ModelState) => [
      ...new Set(
        alphabet(state, row('adversarial', 'adversarial')).flatMap((c) => ('vcpu' in c ? [c.vcpu] : [])),
      ),
    ];
    expect(vcpus(fresh())).toEqual([]);
    expect(vcpus(stateAfter([{ op: 'KVM_CREATE_VCPU', id: 1 }]))).toEqual([1]);
    expect(
      vcpus(
        stateAfter([
          { op: 'KVM_CREATE_VCPU', id: 1 },
          { op: 'KVM_CREATE_VCPU', id: 0 },
        ]),
      ),
    ).toEqual([0, 1]);
  });
});

describe('accepted', () => {
  const split: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [2] };
  const enable: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [FLAG_ENABLE_SEOIB] };
  const create: Command = { op: 'KVM_CREATE_VCPU', id: 0 };
  const cpuid = (x2apic: boolean): Command => ({ op: 'KVM_SET_CPUID2', vcpu: 0, x2apic });
  const spiv = (value: bigint): Command => ({ op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value });
  const rte: Command = {
    op: 'guest.ioapicWriteRte',
    pin: 1,
    vector: 64,
    trigger: 'level',
    masked: false,
    dest: 0,
  };
  const high: Command = { op: 'device.setLine', pin: 1, level: 1 };
  const accept: Command = { op: 'guest.acceptInterrupt', vcpu: 0 };
  const eoi: Command = { op: 'guest.eoi', vcpu: 0 };
  const ioapicEoi: Command = { op: 'guest.ioapicEoi', vector: 64 };

  it("follows the VM machine's answer for irqchip and capability ioctls (the SEOIB flags need the split irqchip)", () => {
    expect(accepted(fresh(), split)).toBe(true);
    expect(accepted(fresh(), { op: 'KVM_CREATE_IRQCHIP' })).toBe(true);
    expect(accepted(stateAfter([split]), { op: 'KVM_CREATE_IRQCHIP' })).toBe(false);
    expect(accepted(stateAfter([split]), split)).toBe(false);
    expect(accepted(fresh(), enable)).toBe(false);
    expect(accepted(stateAfter([split]), enable)).toBe(true);
    expect(accepted(stateAfter([split]), { ...enable, args: [FLAG_ENABLE_SEOIB | 8] } as Command)).toBe(
      false,
    );
    expect(accepted(stateAfter([split, create]), enable)).toBe(true);
  });

  it('accepts a vCPU once per id, and CPUID before the first run or unchanged after it', () => {
    expect(accepted(fresh(), create)).toBe(true);
    expect(accepted(stateAfter([create]), create)).toBe(false);
    expect(accepted(fresh(), cpuid(true))).toBe(false);
    const booted = stateAfter([split, create, cpuid(true), spiv(0x1ffn)]);
    expect(accepted(stateAfter([split, create]), cpuid(false))).toBe(true);
    expect(accepted(booted, cpuid(true))).toBe(true);
    expect(accepted(booted, cpuid(false))).toBe(false);
  });

  it('needs the vCPU for LAPIC ioctls and INIT, and x2APIC for MSR access', () => {
    const created = stateAfter([split, create]);
    for (const command of [
      { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x30 },
      { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x1ff, irr: [], isr: [], tmr: [] },
      { op: 'guest.init', vcpu: 0 },
    ] as Command[]) {
      expect(accepted(fresh(), command)).toBe(false);
      expect(accepted(created, command)).toBe(true);
    }
    expect(accepted(created, spiv(0x1ffn))).toBe(false);
    expect(accepted(stateAfter([cpuid(false)], created), { op: 'guest.rdmsr', vcpu: 0, msr: 0x803 })).toBe(
      false,
    );
    expect(accepted(stateAfter([cpuid(true)], created), { op: 'guest.rdmsr', vcpu: 0, msr: 0x803 })).toBe(
      true,
    );
  });

  it('refuses LAPIC ioctls, INIT and MSR access on a vCPU created without an in-kernel APIC', () => {
    const noApic = stateAfter([create, cpuid(true)]);
    for (const command of [
      { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x30 },
      { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x1ff, irr: [], isr: [], tmr: [] },
      { op: 'guest.init', vcpu: 0 },
      { op: 'guest.rdmsr', vcpu: 0, msr: 0x803 },
    ] as Command[])
      expect(accepted(noApic, command)).toBe(false);
  });

  it('accepts an interrupt only when one is deliverable, an EOI only with a vector in service', () => {
    const booted = stateAfter([split, create, cpuid(true), spiv(0x1ffn), rte]);
    expect(accepted(booted, accept)).toBe(false);
    const pending = stateAfter([high], booted);
    expect(accepted(pending, accept)).toBe(true);
    expect(accepted(pending, eoi)).toBe(false);
    const inService = stateAfter([accept], pending);
    expect(accepted(inService, eoi)).toBe(true);
    expect(accepted(inService, accept)).toBe(false);
    expect(accepted(fresh(), accept)).toBe(false);
    expect(accepted(stateAfter([split, create]), eoi)).toBe(false);
    expect(accepted(fresh(), eoi)).toBe(false);
  });

  it('accepts an I/O APIC EOI only for a vector with Remote IRR set, a line change only when it changes', () => {
    const booted = stateAfter([split, create, cpuid(true), spiv(0x1ffn), rte]);
    expect(accepted(booted, ioapicEoi)).toBe(false);
    expect(accepted(booted, high)).toBe(true);
    const raised = stateAfter([high], booted);
    expect(accepted(raised, high)).toBe(false);
    expect(accepted(raised, { op: 'device.setLine', pin: 1, level: 0 })).toBe(true);
    expect(accepted(raised, ioapicEoi)).toBe(true);
    expect(accepted(raised, { op: 'guest.ioapicEoi', vector: 80 })).toBe(false);
  });

  it('always accepts what cannot be refused: the clock, capability checks, I/O APIC writes', () => {
    for (const command of [
      { op: 'clock.advance', ns: 1 },
      { op: 'KVM_CHECK_EXTENSION', fd: 'vm', cap: 'KVM_CAP_X2APIC_API' },
      rte,
    ] as Command[])
      expect(accepted(fresh(), command)).toBe(true);
  });
});
