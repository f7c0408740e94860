import { describe, expect, it } from 'vitest';
import { EXCUSES } from '../../src/invariants/excuses.js';
import {
  checkExtensionTruthful,
  failedIoctlAtomic,
  flagsExclusive,
} from '../../src/invariants/ioctlInvariants.js';
import type { Command } from '../../src/model/command.js';
import type { ProfileNames } from '../../src/model/config.js';
import type { Executed } from '../../src/model/step.js';
import { executeAfter, violationsOf } from '../helpers.js';

const profile = (kernel: string): ProfileNames => ({ kernel, vmm: 'ioapic-0x20', guest: 'adversarial' });
const x2apicApi = (flags: number): Command => ({
  op: 'KVM_ENABLE_CAP',
  cap: 'KVM_CAP_X2APIC_API',
  args: [flags],
});
const split: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] };
const checkVm: Command = { op: 'KVM_CHECK_EXTENSION', fd: 'vm', cap: 'KVM_CAP_X2APIC_API' };
const checkSystem: Command = { op: 'KVM_CHECK_EXTENSION', fd: 'system', cap: 'KVM_CAP_X2APIC_API' };

function only(id: string, kernel: string, commands: Command[]) {
  return violationsOf(profile(kernel), commands).filter((v) => v.invariant === id);
}

/** The first command executed on a fresh VM (after `setup`), with the kernel's answer replaced. */
function answered(kernel: string, setup: Command[], command: Command, ret: number): Executed {
  const executed = executeAfter(profile(kernel), setup, command);
  return { ...executed, observation: { ...executed.observation, ret } };
}

const position = { index: 0, reaction: null };

describe('flags-exclusive', () => {
  it('looks only at KVM_CAP_X2APIC_API: a split irqchip with 12 reserved pins is no flag pair', () => {
    const split12: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [12] };
    expect(only('flags-exclusive', 'upstream', [split12])).toEqual([]);
  });

  it('holds where both flags are refused and nothing changes', () => {
    expect(only('flags-exclusive', 'upstream', [split, x2apicApi(12), x2apicApi(13)])).toEqual([]);
  });

  it('reports a refused call that still changed the mode, as the apply-first what-if', () => {
    expect(only('flags-exclusive', 'upstream-apply-first', [x2apicApi(12)])).toEqual([
      {
        invariant: 'flags-exclusive',
        index: 0,
        reaction: null,
        detail: 'the SEOIB mode changed',
        expected: EXCUSES.applyFirstWhatIf.reason,
      },
    ]);
  });

  it('reports a kernel that accepts both flags, and ignores calls without both', () => {
    expect(
      flagsExclusive.check(undefined, answered('upstream', [split], x2apicApi(13), 0), position),
    ).toEqual({
      monitor: undefined,
      violation: 'args 13 returned 0, not -EINVAL',
    });
    expect(flagsExclusive.check(undefined, answered('upstream', [split], x2apicApi(8), 0), position)).toEqual(
      {
        monitor: undefined,
      },
    );
    expect(flagsExclusive.check(undefined, answered('upstream', [], checkVm, 12), position)).toEqual({
      monitor: undefined,
    });
  });
});

describe('enable-needs-split', () => {
  it('holds where ENABLE without a split irqchip is refused', () => {
    expect(only('enable-needs-split', 'upstream', [x2apicApi(4), checkVm])).toEqual([]);
  });

  it('reports every command while ENABLED without a split irqchip', () => {
    const found = only('enable-needs-split', 'upstream-apply-first', [x2apicApi(4), checkVm]);
    expect(found.map((v) => [v.index, v.detail, v.expected])).toEqual([
      [0, 'mode ENABLED with irqchip none', EXCUSES.applyFirstWhatIf.reason],
      [1, 'mode ENABLED with irqchip none', EXCUSES.applyFirstWhatIf.reason],
    ]);
  });
});

describe('failed-ioctl-atomic', () => {
  it('holds for refused calls that change nothing and for successful calls that do', () => {
    expect(only('failed-ioctl-atomic', 'upstream', [x2apicApi(4), split, split, x2apicApi(4)])).toEqual([]);
    const vcpu0: Command = { op: 'KVM_CREATE_VCPU', id: 0 };
    expect(only('failed-ioctl-atomic', 'upstream', [split, vcpu0, vcpu0])).toEqual([]);
  });

  it('reports a refused call that changed the VM', () => {
    expect(only('failed-ioctl-atomic', 'upstream-apply-first', [x2apicApi(4)])).toEqual([
      {
        invariant: 'failed-ioctl-atomic',
        index: 0,
        reaction: null,
        detail: 'KVM_ENABLE_CAP returned -22 but changed state',
        expected: EXCUSES.applyFirstWhatIf.reason,
      },
    ]);
  });

  it.each([
    [24, 3],
    [1, 0],
  ])('reports a refused call that changed one LAPIC or one pin, of %i pins pin %i', (pins, changedPin) => {
    const vcpu0: Command = { op: 'KVM_CREATE_VCPU', id: 0 };
    const refused = executeAfter(profile('upstream'), [split, vcpu0], split, { vcpus: 2, pins });
    expect(refused.observation.ret).toBeLessThan(0);
    expect(failedIoctlAtomic.check(undefined, refused, position)).toEqual({ monitor: undefined });
    const { after } = refused;
    const [lapic, absent] = after.lapics as [NonNullable<(typeof after.lapics)[number]>, null];
    const pin = after.pins[changedPin] as (typeof after.pins)[number];
    const changed: Executed['after'][] = [
      { ...after, lapics: [{ ...lapic, context: { ...lapic.context, spivLow: 0x1ff } }, absent] },
      {
        ...after,
        pins: after.pins.map((p, i) =>
          i === changedPin ? { ...pin, context: { ...pin.context, masked: false } } : p,
        ),
      },
    ];
    for (const state of changed)
      expect(failedIoctlAtomic.check(undefined, { ...refused, after: state }, position).violation).toBe(
        'KVM_ENABLE_CAP returned -17 but changed state',
      );
  });

  it('leaves out the rescan a refused KVM_CREATE_VCPU requests, also beside a vCPU not created yet', () => {
    const vcpu0: Command = { op: 'KVM_CREATE_VCPU', id: 0 };
    const entered: Command[] = [
      split,
      vcpu0,
      { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
      { op: 'guest.rdmsr', vcpu: 0, msr: 0x803 },
    ];
    const again = executeAfter(profile('upstream'), entered, vcpu0, { vcpus: 2, pins: 24 });
    expect(again.observation.ret).toBe(-17);
    expect(again.before.lapics[0]?.context.scanRequested).toBe(false);
    expect(again.after.lapics[0]?.context.scanRequested).toBe(true);
    expect(failedIoctlAtomic.check(undefined, again, position)).toEqual({ monitor: undefined });
  });

  it('reports a failed call that changed a LAPIC register', () => {
    const setLapic: Command = { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0xff, irr: [64], isr: [], tmr: [] };
    const refused = answered('upstream', [split, { op: 'KVM_CREATE_VCPU', id: 0 }], setLapic, -22);
    expect(failedIoctlAtomic.check(undefined, refused, position)).toEqual({
      monitor: undefined,
      violation: 'KVM_SET_LAPIC returned -22 but changed state',
    });
  });

  it('looks at ioctls only', () => {
    const guest = answered('upstream', [split], { op: 'device.setLine', pin: 0, level: 1 }, -22);
    expect(failedIoctlAtomic.check(undefined, guest, position)).toEqual({ monitor: undefined });
  });
});

describe('check-extension-truthful', () => {
  it('holds on upstream, which hides bit 2 on the VM fd until a split irqchip exists', () => {
    expect(only('check-extension-truthful', 'upstream', [checkVm, checkSystem, split, checkVm])).toEqual([]);
  });

  it('reports the v6 draft advertising bit 2 before a split irqchip, on the VM fd only', () => {
    expect(only('check-extension-truthful', 'v6', [checkSystem, checkVm])).toEqual([
      {
        invariant: 'check-extension-truthful',
        index: 1,
        reaction: null,
        detail: 'bit 2 advertised, but enabling it fails',
        expected: EXCUSES.draftAdvertises.reason,
      },
    ]);
  });

  it('reports a VM fd that hides bit 2 while enabling it would succeed', () => {
    expect(
      checkExtensionTruthful.check(undefined, answered('upstream', [split], checkVm, 3), position),
    ).toEqual({
      monitor: undefined,
      violation: 'bit 2 not advertised, but enabling it succeeds',
    });
    expect(
      checkExtensionTruthful.check(undefined, answered('upstream', [split], checkVm, 15), position),
    ).toEqual({ monitor: undefined });
  });
});
