import { describe, expect, it } from 'vitest';
import { checkedStep, startChecked } from '../../src/check/checkedRun.js';
import { EXCUSES } from '../../src/invariants/excuses.js';
import { startMonitors } from '../../src/invariants/index.js';
import type { Command } from '../../src/model/command.js';
import { initialState } from '../../src/model/state.js';
import { step } from '../../src/model/step.js';

const config = { vcpus: 1, pins: 1 };

describe('a checked run', () => {
  it('starts from the initial state with every monitor at its start', () => {
    const profile = { kernel: 'upstream', vmm: 'qemu', guest: 'linux' };
    expect(startChecked(profile, config)).toEqual({
      state: initialState(profile, config),
      monitors: startMonitors(),
    });
  });

  it("takes a command as step() does, and reports the invariants it violated at the trace's index", () => {
    const profile = { kernel: 'upstream-apply-first', vmm: 'qemu', guest: 'linux' };
    const start = startChecked(profile, config);
    const both: Command = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [0xc] };
    const taken = checkedStep(start, both, 7);
    expect(taken.result).toEqual(step(start.state, both));
    expect(taken.next.state).toBe(taken.result.state);
    expect(taken.violations.map((v) => [v.invariant, v.index, v.expected])).toEqual([
      ['flags-exclusive', 7, EXCUSES.applyFirstWhatIf.reason],
      ['failed-ioctl-atomic', 7, EXCUSES.applyFirstWhatIf.reason],
    ]);
  });

  it('carries each monitor to the next command', () => {
    const profile = { kernel: 'upstream', vmm: 'qemu', guest: 'adversarial' };
    const commands: Command[] = [
      { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
      { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [4] },
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
      { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x11ffn },
      { op: 'guest.ioapicWriteRte', pin: 0, vector: 64, dest: 0, trigger: 'level', masked: false },
      { op: 'device.setLine', pin: 0, level: 1 },
      { op: 'guest.acceptInterrupt', vcpu: 0 },
      { op: 'guest.eoi', vcpu: 0 },
    ];
    let run = startChecked(profile, config);
    for (const [index, command] of commands.entries()) run = checkedStep(run, command, index).next;
    expect(run.monitors['no-unmask-before-ioapic-eoi']).toEqual([64]);
  });
});
