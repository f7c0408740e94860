import { describe, expect, it } from 'vitest';
import { PROBE } from '../../src/kvm/kernelInfo.js';
import type { Command } from '../../src/model/command.js';
import { KERNELS } from '../../src/model/kernels.js';
import { PROFILE_NAMES, runCommands } from '../helpers.js';

const profile = (kernel: string) => ({ kernel, vmm: 'ioapic-0x20', guest: 'adversarial' });

describe('kernel profiles', () => {
  it('are the patch as merged, its drafts, the kernel before it and two what-ifs, each described', () => {
    expect([...KERNELS.keys()]).toEqual(PROFILE_NAMES.kernel);
    const descriptions = [...KERNELS.values()].map((k) => k.description);
    expect(new Set(descriptions).size).toBe(KERNELS.size);
    for (const description of descriptions) expect(description.length).toBeGreaterThan(20);
  });

  it.each([
    // system fd, VM fd, 4, 8, 12, split, VM fd, 4 after split, vCPU, CPUID, 12, SET_LAPIC, LVR, 8 after vCPUs
    ['legacy', [3, 3, -22, -22, -22, 0, 3, -22, 0, 0, -22, 0, 0x1050014, -22]], // 0x3 only: bits 2, 3 refused
    ['v4', [15, 15, -22, -22, -22, 0, 15, 0, 0, 0, -22, 0, 0x1050014, 0]], // DISABLE also needs split
    ['v6', [15, 15, -22, 0, -22, 0, 15, 0, 0, 0, -22, 0, 0x1050014, 0]], // bit 2 always advertised
    ['upstream', [15, 11, -22, 0, -22, 0, 15, 0, 0, 0, -22, 0, 0x1050014, 0]], // bit 2 hidden until split
    ['upstream-vcpu-lock', [15, 11, -22, 0, -22, 0, 15, 0, 0, 0, -22, 0, 0x1050014, -16]], // -EBUSY after vCPUs
    ['upstream-apply-first', [15, 11, -22, 0, -22, 0, 15, 0, 0, 0, -22, 0, 0x50014, 0]], // refused 12 sticks
  ])('%s answers the probe of seoib kvm info as DESIGN §1 and its draft say', (kernel, answers) => {
    const { observations } = runCommands(profile(kernel), [...PROBE]);
    expect(observations.map((o) => o.value ?? o.ret)).toEqual(answers);
  });

  it.each([
    ['upstream-vcpu-lock', -16],
    ['upstream-apply-first', 0],
  ])(
    '%s: ENABLE after a vCPU exists answers %i (only the vCPU-lock what-if locks the mode)',
    (kernel, ret) => {
      const { observations } = runCommands(profile(kernel), [
        { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
        { op: 'KVM_CREATE_VCPU', id: 0 },
        { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [4] },
      ]);
      expect(observations.at(-1)?.ret).toBe(ret);
    },
  );

  it('keep a split-mode vector pending from its old route, and rescan after its intercepted EOI, since 6.16 (all but legacy)', () => {
    const rte = (dest: number): Command => ({
      op: 'guest.ioapicWriteRte',
      pin: 5,
      vector: 64,
      trigger: 'level',
      masked: false,
      dest,
    });
    const staleThenEoi: Command[] = [
      { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
      ...[0, 1].flatMap((vcpu): Command[] => [
        { op: 'KVM_CREATE_VCPU', id: vcpu },
        { op: 'KVM_SET_CPUID2', vcpu, x2apic: true },
      ]),
      { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x1ffn },
      rte(0),
      { op: 'device.setLine', pin: 5, level: 1 },
      rte(1),
      { op: 'guest.acceptInterrupt', vcpu: 0 },
      { op: 'guest.eoi', vcpu: 0 },
    ];
    for (const kernel of KERNELS.keys()) {
      const { state, observations } = runCommands(profile(kernel), staleThenEoi, { vcpus: 2, pins: 24 });
      // Measured on bookworm's 6.1 (test/corpus/legacy/split-old-route-eoi.json): no exit, the route is gone.
      const since616 = kernel !== 'legacy';
      expect([kernel, observations.at(-1)?.exits]).toEqual([kernel, since616 ? [64] : []]);
      expect([kernel, state.lapics[0]?.context.staleEoi]).toEqual([kernel, since616 ? 64 : -1]);
      expect([kernel, state.lapics[0]?.context.scanRequested]).toEqual([kernel, since616]);
    }
  });
});
