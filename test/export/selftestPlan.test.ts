import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedFindings, reportedFindings, selftestPlan } from '../../src/export/selftestPlan.js';
import { parseTrace } from '../../src/model/trace.js';

const corpus = join(import.meta.dirname, '..', 'corpus');
const planOf = (name: string) => {
  const file = join(corpus, name);
  return selftestPlan(parseTrace(readFileSync(file, 'utf8'), file), file);
};

describe('selftestPlan', () => {
  it("flattens the guest program's reactions after their command, each with its actor", () => {
    const plan = planOf('found/no-storm--upstream--ioapic-0x20--none--credential-guard.json');
    const rte = plan.steps.filter((s) => s.index === 4);
    expect(rte.map((s) => s.reaction)).toEqual([...Array(33).keys()]);
    // The guest program ran at KVM_SET_CPUID2, so vCPU 0's guest writes the RTE.
    expect(rte[0]?.actor).toEqual({ kind: 'guest', vcpu: 0 });
    expect(rte[1]).toMatchObject({
      command: { op: 'guest.acceptInterrupt' },
      actor: { kind: 'guest', vcpu: 0 },
    });
    expect(plan.guestVcpus).toEqual([0]);
  });

  it('shows deliveries as the kernel does: newly pending, sorted, each once', () => {
    const plan = planOf('found/no-storm--upstream--ioapic-0x20--none--credential-guard.json');
    const eoi = plan.steps.find((s) => s.index === 4 && s.reaction === 2);
    expect(eoi?.expected).toMatchObject({ exits: [64], deliveries: [64] });
    expect(eoi?.visibleDeliveries).toEqual([64]);
  });

  it('takes the trace’s own expect over the model, with its mask', () => {
    const plan = planOf('upstream/design-example.json');
    const lvr = plan.steps.find((s) => s.index === 7);
    expect(lvr?.expected.value).toBe(0x1000000);
    expect(lvr?.mask).toBe(0x1000000);
  });
});

describe('selftestPlan actors', () => {
  it("writes the VMM's I/O APIC from the host while no vCPU has run, as the runner does", () => {
    const plan = planOf('upstream/design-example.json');
    expect(plan.steps.find((s) => s.index === 5)).toMatchObject({
      command: { op: 'guest.ioapicWriteRte' },
      actor: { kind: 'host' },
      ioapic: 'vmm',
    });
  });
});

describe('expectedFindings', () => {
  it('the storm: the early unmask where the model finds it, the storm when its command ends', () => {
    expect(
      expectedFindings(planOf('found/no-storm--upstream--ioapic-0x20--none--credential-guard.json')),
    ).toEqual(['[4.2] no-unmask-before-ioapic-eoi', '[4] no-storm']);
  });

  it('F2, the late DISABLE: the stale LVR first, then the storm it leads to', () => {
    expect(
      expectedFindings(planOf('found/no-storm--upstream--ioapic-0x20--late-disable--credential-guard.json')),
    ).toEqual(['[3.0] lvr-advertise', '[5.2] no-unmask-before-ioapic-eoi', '[5] no-storm']);
  });

  it('the stuck pin, and nothing for a clean scenario', () => {
    expect(
      expectedFindings(planOf('found/no-stuck-pin--upstream--ioapic-0x11--enable--windows-hyperv.json')),
    ).toEqual(['[5.4] no-stuck-pin']);
    expect(expectedFindings(planOf('scenarios/clean-upstream-enable-0x20-credential-guard.json'))).toEqual(
      [],
    );
  });
});

describe('reportedFindings', () => {
  it('reads the findings a selftest printed, in the same form', () => {
    expect(
      reportedFindings([
        'Random seed: 0x6b8b4567',
        'seoib finding: [4.2] {"op":"guest.eoi","vcpu":0}: no-unmask-before-ioapic-eoi: the LAPIC EOI of vector 64 serviced pin 0',
        'seoib finding: [4] {"op":"device.setLine","pin":0,"level":1}: no-storm: vector 64 delivered 17 times',
        '==== Test Assertion Failure ====',
      ]),
    ).toEqual(['[4.2] no-unmask-before-ioapic-eoi', '[4] no-storm']);
  });
});
