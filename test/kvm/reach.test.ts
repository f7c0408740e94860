import { describe, expect, it } from 'vitest';
import { categoriesOf, reachLines, traceCategories, x2apicRegister } from '../../src/kvm/reach.js';

const config = { vcpus: 2, pins: 24 };

describe('the reach table: what a differential run exercised', () => {
  it('names x2APIC registers as the SDM does, each multi-MSR register once, the rest reserved', () => {
    expect(
      [0x802, 0x803, 0x808, 0x80b, 0x80f, 0x813, 0x81f, 0x820, 0x830, 0x83f, 0x804, 0x8ff].map(
        x2apicRegister,
      ),
    ).toEqual([
      'ID',
      'LVR',
      'TPR',
      'EOI',
      'SPIV',
      'ISR',
      'TMR',
      'IRR',
      'ICR',
      'SELF_IPI',
      'reserved',
      'reserved',
    ]);
  });

  it('puts each field of a command in its category', () => {
    const rte = {
      op: 'guest.ioapicWriteRte',
      pin: 17,
      vector: 0x41,
      trigger: 'level',
      masked: false,
    } as const;
    expect(categoriesOf({ ...rte, dest: 0xff }, config)).toEqual([
      'guest.ioapicWriteRte: pin 16-23',
      'guest.ioapicWriteRte: dest 0xff',
      'guest.ioapicWriteRte: level',
      'guest.ioapicWriteRte: unmasked',
      'guest.ioapicWriteRte: class 0x4',
    ]);
    expect(categoriesOf({ ...rte, pin: 3, dest: 2 }, config)).toContain('guest.ioapicWriteRte: dest no vCPU');
    expect(categoriesOf({ ...rte, pin: 3, dest: 1 }, config)).toContain(
      'guest.ioapicWriteRte: legacy pin (0-15)',
    );
    expect(categoriesOf({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [0xb] }, config)).toEqual([
      'KVM_ENABLE_CAP: X2APIC_API flags 0xb',
    ]);
    expect(categoriesOf({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [0x10] }, config)).toEqual([
      'KVM_ENABLE_CAP: X2APIC_API flags above 0xf',
    ]);
    expect(
      [0, 5, 24, 25].map(
        (pins) =>
          categoriesOf({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [pins] }, config)[0],
      ),
    ).toEqual([
      'KVM_ENABLE_CAP: SPLIT_IRQCHIP 0 pins',
      'KVM_ENABLE_CAP: SPLIT_IRQCHIP 1-23 pins',
      'KVM_ENABLE_CAP: SPLIT_IRQCHIP 24 pins',
      'KVM_ENABLE_CAP: SPLIT_IRQCHIP over 24 pins',
    ]);
    expect(categoriesOf({ op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 1n << 32n }, config)).toEqual([
      'guest.wrmsr: SPIV',
      'guest.wrmsr: bits 63:32 set',
    ]);
    expect(categoriesOf({ op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x1a0 }, config)).toEqual([
      'KVM_GET_LAPIC: TMR',
    ]);
    expect(
      categoriesOf({ op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [64], isr: [], tmr: [] }, config),
    ).toEqual(['KVM_SET_LAPIC: SPIV bit 8 set', 'KVM_SET_LAPIC: SPIV bit 12 set', 'KVM_SET_LAPIC: irr set']);
    expect(categoriesOf({ op: 'guest.init', vcpu: 1 }, config)).toEqual(['guest.init: an AP']);
    expect(categoriesOf({ op: 'device.setLine', pin: 20, level: 0 }, config)).toEqual([
      'device.setLine: pin 16-23 to 0',
    ]);
    expect(categoriesOf({ op: 'guest.eoi', vcpu: 0 }, config)).toEqual(['guest.eoi']);
  });

  it('counts a trace once per category, with its config, and prints one line per op', () => {
    const categories = traceCategories(
      [{ op: 'KVM_CREATE_IRQCHIP' }, { op: 'KVM_CREATE_VCPU', id: 0 }, { op: 'KVM_CREATE_VCPU', id: 1 }],
      config,
    );
    expect([...categories]).toEqual([
      'config: 2 vCPU(s)',
      'config: in-kernel irqchip first',
      'KVM_CREATE_IRQCHIP',
      'KVM_CREATE_VCPU',
    ]);
    const reach = new Map([
      ['KVM_CREATE_VCPU', 3],
      ['guest.rdmsr: SPIV', 2],
      ['guest.rdmsr: LVR', 0],
    ]);
    expect(reachLines(reach)).toEqual(['KVM_CREATE_VCPU: 3', 'guest.rdmsr: LVR 0 · SPIV 2']);
  });
});
