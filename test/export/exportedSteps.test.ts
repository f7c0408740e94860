import { describe, expect, it } from 'vitest';
import { exportedSteps } from '../../src/export/exportedSteps.js';
import type { Trace } from '../../src/model/trace.js';
import { TraceInputError } from '../../src/model/trace.js';

const trace = (commands: Trace['commands']): Trace => ({
  format: 'seoib-trace/1',
  profile: { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' },
  config: { vcpus: 1, pins: 24 },
  commands,
});

describe('exportedSteps', () => {
  it("takes each answer from the trace's expect, and from the model where there is none", () => {
    const steps = exportedSteps(
      trace([
        { op: 'KVM_CHECK_EXTENSION', fd: 'system', cap: 'KVM_CAP_X2APIC_API', expect: { ret: 3 } },
        { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [12] },
        { op: 'KVM_CREATE_IRQCHIP' },
        { op: 'KVM_CREATE_VCPU', id: 0 },
        { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0x30, expect: { value: 0x1000000, mask: 0x1000000 } },
        { op: 'KVM_GET_LAPIC', vcpu: 0, reg: 0xf0 },
      ]),
      't.json',
    );
    expect(steps.map((s) => s.ret)).toEqual([3, -22, 0, 0, 0, 0]);
    expect(steps[4]?.value).toEqual({ value: 0x1000000, mask: 0x1000000 });
    expect(steps[5]?.value).toEqual({ value: 0xff, mask: 0xffffffff });
    expect(steps[1]?.text).toBe('{"op":"KVM_ENABLE_CAP","cap":"KVM_CAP_X2APIC_API","args":[12]}');
  });

  it('refuses a guest command with its JSON path', () => {
    const withGuest = trace([{ op: 'KVM_CREATE_IRQCHIP' }, { op: 'device.setLine', pin: 1, level: 1 }]);
    expect(() => exportedSteps(withGuest, 't.json')).toThrow(
      new TraceInputError(
        't.json',
        '$.commands[1].op',
        'device.setLine: a standalone repro holds ioctl commands only; without --standalone the KVM selftest runs guests',
      ),
    );
  });
});
