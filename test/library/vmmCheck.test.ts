import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { choicesArbitrary } from '../../src/fuzz/campaign.js';
import { failingViolations, vmmRows } from '../../src/library/vmmCheck.js';
import { registerVmm, VMMS } from '../../src/model/vmms.js';

afterAll(registerVmm({ name: 'test-0x11', description: 'a custom 0x11 I/O APIC', ioapicVersion: 0x11 }));

describe('vmmRows', () => {
  it('checks the patched kernel, the three real policies and every named guest by default', () => {
    const rows = vmmRows('test-0x11');
    expect(new Set(rows.map((r) => r.kernel))).toEqual(new Set(['upstream']));
    expect(new Set(rows.map((r) => r.policy))).toEqual(new Set(['none', 'enable', 'disable']));
    expect(rows.some((r) => r.guest === 'adversarial')).toBe(false);
    expect(rows.some((r) => r.guest === 'windows-hyperv')).toBe(true);
    expect(rows.every((r) => r.vmm === 'test-0x11' && r.config.vcpus === 1 && r.config.pins === 2)).toBe(
      true,
    );
  });
});

describe('failingViolations (seed 7)', () => {
  it('fails a 0x11 VMM that sets ENABLE on the stuck pin, unless only unexpected violations count', () => {
    const [row] = vmmRows('test-0x11', { policies: ['enable'], guests: ['windows-hyperv'] });
    const details = fc.check(
      fc.property(choicesArbitrary(30), (choices) => failingViolations(row as never, choices).length === 0),
      { seed: 7, numRuns: 300 },
    );
    expect(details.failed).toBe(true);
    const choices = details.counterexample?.[0] ?? [];
    const violations = failingViolations(row as never, choices);
    expect(violations.map((v) => v.invariant)).toContain('no-stuck-pin');
    expect(violations.every((v) => v.expected !== null)).toBe(true);
    expect(failingViolations(row as never, choices, 'unexpected')).toEqual([]);
  });
});

describe('registerVmm', () => {
  it('adds a custom profile and refuses a built-in name', () => {
    expect(VMMS.get('test-0x11')?.ioapicVersion).toBe(0x11);
    expect(() => registerVmm({ name: 'ioapic-0x20', description: '', ioapicVersion: 0x20 })).toThrow(
      'registerVmm: "ioapic-0x20" is a built-in VMM profile; choose another name',
    );
  });
});
