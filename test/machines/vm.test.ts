import { describe, expect, it } from 'vitest';
import {
  advertisesSuppressEoiBroadcast,
  type KernelTraits,
  suppressesEoiBroadcast,
  type VmEmitted,
  type VmEvent,
  type VmValue,
  vmMachine,
} from '../../machines/vm.js';
import { advance, type PersistedOf, start } from '../../src/model/drive.js';
import { KERNELS } from '../../src/model/kernels.js';

type Vm = PersistedOf<typeof vmMachine>;

function traits(name: string): KernelTraits {
  const kernel = KERNELS.get(name);
  if (kernel === undefined) throw new Error(name);
  return kernel.traits;
}

function send(vm: Vm, event: VmEvent): { vm: Vm; ret: number | undefined } {
  const { next, emitted } = advance(vmMachine, vm, event);
  return { vm: next, ret: emitted.find((e) => e.type === 'ret')?.value };
}

function run(kernel: string, events: VmEvent[]): { vm: Vm; rets: (number | undefined)[] } {
  let vm: Vm = start(vmMachine, { traits: traits(kernel) });
  const rets: (number | undefined)[] = [];
  for (const event of events) {
    const r = send(vm, event);
    vm = r.vm;
    rets.push(r.ret);
  }
  return { vm, rets };
}

const split: VmEvent = { type: 'ENABLE_SPLIT_IRQCHIP', pins: 24 };
const flags = (n: number): VmEvent => ({ type: 'ENABLE_X2APIC_API', flags: n });

describe('vm machine: KVM_CAP_X2APIC_API', () => {
  it('checks unknown bits, then both mode bits, then ENABLE without split, each -EINVAL with no change', () => {
    const { vm, rets } = run('upstream', [
      flags(0x10),
      flags(0x1c),
      flags(0xc),
      flags(0x4),
      flags(2 ** 40 + 4),
    ]);
    expect(rets).toEqual([-22, -22, -22, -22, -22]);
    expect(vm.value).toEqual({ irqchip: 'none', seoib: 'quirked', vcpus: 'none' });
  });

  it('applies ENABLE after a split irqchip, DISABLE with any irqchip, and flips between them after vCPUs', () => {
    const { vm, rets } = run('upstream', [
      flags(8),
      split,
      flags(4),
      { type: 'CREATE_VCPU', id: 0 },
      flags(8),
      flags(4),
    ]);
    expect(rets).toEqual([0, 0, 0, 0, 0, 0]);
    expect(vm.value.seoib).toBe('enabled');
  });

  it('keeps the mode on args 0 and 3, and makes bits 0/1 sticky', () => {
    const { vm, rets } = run('upstream', [split, flags(4), flags(0), flags(3), flags(0)]);
    expect(rets).toEqual([0, 0, 0, 0, 0]);
    expect(vm.value.seoib).toBe('enabled');
    expect(vm.context).toMatchObject({ x2apicFormat: true, broadcastQuirkDisabled: true });
  });

  it('starts with neither sticky bit, and sets each on its own bit only', () => {
    expect(run('upstream', []).vm.context).toMatchObject({
      x2apicFormat: false,
      broadcastQuirkDisabled: false,
    });
    expect(run('upstream', [flags(1), flags(0)]).vm.context).toMatchObject({
      x2apicFormat: true,
      broadcastQuirkDisabled: false,
    });
    expect(run('upstream', [flags(2), flags(0)]).vm.context).toMatchObject({
      x2apicFormat: false,
      broadcastQuirkDisabled: true,
    });
  });

  it('legacy rejects bits 2 and 3 and advertises 0x3', () => {
    const { rets } = run('legacy', [
      { type: 'CHECK_EXTENSION', fd: 'system' },
      split,
      flags(4),
      flags(8),
      flags(3),
    ]);
    expect(rets).toEqual([3, 0, -22, -22, 0]);
  });

  it('v4 requires split for DISABLE too; upstream and v6 do not', () => {
    expect(run('v4', [flags(8)]).rets).toEqual([-22]);
    expect(run('v4', [split, flags(8)]).rets).toEqual([0, 0]);
    expect(run('v6', [flags(8)]).rets).toEqual([0]);
  });

  it('the what-if lock refuses a mode change after vCPUs with -EBUSY but allows the same mode', () => {
    const { rets } = run('upstream-vcpu-lock', [
      split,
      flags(4),
      { type: 'CREATE_VCPU', id: 0 },
      flags(8),
      flags(4),
    ]);
    expect(rets).toEqual([0, 0, 0, -16, 0]);
  });
});

describe('vm machine: CHECK_EXTENSION', () => {
  it('upstream hides bit 2 on the VM fd until a split irqchip exists; the system fd always says 0xf', () => {
    expect(
      run('upstream', [
        { type: 'CHECK_EXTENSION', fd: 'vm' },
        { type: 'CHECK_EXTENSION', fd: 'system' },
      ]).rets,
    ).toEqual([0xb, 0xf]);
    expect(run('upstream', [split, { type: 'CHECK_EXTENSION', fd: 'vm' }]).rets).toEqual([0, 0xf]);
    expect(run('upstream', [{ type: 'CREATE_IRQCHIP' }, { type: 'CHECK_EXTENSION', fd: 'vm' }]).rets).toEqual(
      [0, 0xb],
    );
  });

  it('v6 advertises 0xf on the VM fd before any irqchip', () => {
    expect(run('v6', [{ type: 'CHECK_EXTENSION', fd: 'vm' }]).rets).toEqual([0xf]);
  });
});

describe('vm machine: irqchip and vCPU lifecycle', () => {
  it('returns -EEXIST for a second irqchip and -EINVAL for KVM_CREATE_IRQCHIP after a vCPU', () => {
    expect(run('upstream', [split, split, { type: 'CREATE_IRQCHIP' }]).rets).toEqual([0, -17, -17]);
    expect(run('upstream', [{ type: 'CREATE_VCPU', id: 0 }, { type: 'CREATE_IRQCHIP' }, split]).rets).toEqual(
      [0, -22, -17],
    );
    const kernel: VmEvent = { type: 'CREATE_IRQCHIP' };
    expect(run('upstream', [kernel, kernel, split]).rets).toEqual([0, -17, -17]);
  });

  it('rejects more reserved pins than KVM_MAX_IRQ_ROUTES before anything else', () => {
    expect(run('upstream', [{ type: 'ENABLE_SPLIT_IRQCHIP', pins: 4097 }]).rets).toEqual([-22]);
    expect(run('upstream', [split, { type: 'ENABLE_SPLIT_IRQCHIP', pins: 4097 }]).rets).toEqual([0, -22]);
    const { vm } = run('upstream', [{ type: 'ENABLE_SPLIT_IRQCHIP', pins: 4096 }]);
    expect(vm.context).toMatchObject({ reservedPins: 4096 });
  });

  it('refuses a duplicate vCPU id with -EEXIST', () => {
    expect(
      run('upstream', [
        { type: 'CREATE_VCPU', id: 0 },
        { type: 'CREATE_VCPU', id: 0 },
        { type: 'CREATE_VCPU', id: 1 },
      ]).rets,
    ).toEqual([0, -17, 0]);
  });
});

describe('advertise and suppress (kvm_lapic_advertise/suppress_eoi_broadcast)', () => {
  const value = (irqchip: VmValue['irqchip'], seoib: VmValue['seoib']): VmValue => ({
    irqchip,
    seoib,
    vcpus: 'some',
  });
  it.each([
    ['split', 'quirked', true, false],
    ['kernel', 'quirked', false, true],
    ['split', 'enabled', true, true],
    ['split', 'disabled', false, false],
    ['kernel', 'disabled', false, false],
  ] as const)(
    '%s irqchip, %s: advertise %s, suppress with SPIV bit 12 %s',
    (irqchip, seoib, advertise, suppress) => {
      expect(advertisesSuppressEoiBroadcast(value(irqchip, seoib))).toBe(advertise);
      expect(suppressesEoiBroadcast(value(irqchip, seoib), true)).toBe(suppress);
      expect(suppressesEoiBroadcast(value(irqchip, seoib), false)).toBe(false);
    },
  );
});

describe('vm machine: what its ioctls start and ask of the other machines', () => {
  const emittedBy = (kernel: string, events: VmEvent[]) => {
    let vm: Vm = start(vmMachine, { traits: traits(kernel) });
    const all: VmEmitted[][] = [];
    for (const event of events) {
      const r = advance(vmMachine, vm, event);
      vm = r.next;
      all.push([...r.emitted]);
    }
    return all;
  };

  it("KVM_CREATE_IRQCHIP makes KVM's I/O APIC once; a refused one makes nothing", () => {
    expect(emittedBy('upstream', [{ type: 'CREATE_IRQCHIP' }, { type: 'CREATE_IRQCHIP' }])).toEqual([
      [{ type: 'ioapicCreated' }, { type: 'ret', value: 0 }],
      [{ type: 'ret', value: -17 }],
    ]);
  });

  it("a vCPU's LAPIC is in-kernel with an irqchip, and carries the kernel's stale-EOI rescan", () => {
    const lapic = (kernel: string, events: VmEvent[]) =>
      emittedBy(kernel, events)
        .flat()
        .find((e) => e.type === 'vcpuCreated');
    const create: VmEvent = { type: 'CREATE_VCPU', id: 2 };
    expect(lapic('upstream', [create])).toEqual({
      type: 'vcpuCreated',
      lapic: { id: 2, inKernel: false, rescansStaleEoi: true },
    });
    expect(lapic('legacy', [split, create])).toEqual({
      type: 'vcpuCreated',
      lapic: { id: 2, inKernel: true, rescansStaleEoi: false },
    });
    expect(lapic('upstream', [{ type: 'CREATE_IRQCHIP' }, create])).toMatchObject({
      lapic: { inKernel: true },
    });
  });

  it('every KVM_CREATE_VCPU changes the APIC map, a refused duplicate id too, and only a new one starts a LAPIC', () => {
    const types = emittedBy('upstream', [
      split,
      { type: 'CREATE_VCPU', id: 0 },
      { type: 'CREATE_VCPU', id: 1 },
      { type: 'CREATE_VCPU', id: 1 },
    ]).map((emitted) => emitted.map((e) => e.type));
    expect(types).toEqual([
      ['ret'],
      ['vcpuCreated', 'apicMapChanged', 'ret'],
      ['vcpuCreated', 'apicMapChanged', 'ret'],
      ['apicMapChanged', 'ret'],
    ]);
  });
});
