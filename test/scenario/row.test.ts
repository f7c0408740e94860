import { describe, expect, it } from 'vitest';
import { DEFAULT_FUZZ_CONFIG, makeRow, policyApplies, promiseRows, rowName } from '../../src/scenario/row.js';

describe('policyApplies', () => {
  it('applies native only to a VMM profile with a native setup, every other policy to any VMM', () => {
    expect(policyApplies('qemu', 'native')).toBe(true);
    expect(policyApplies('ioapic-0x20', 'native')).toBe(false);
    expect(policyApplies('no-such-vmm', 'native')).toBe(false);
    for (const policy of ['none', 'enable', 'disable', 'adversarial'] as const)
      expect(policyApplies('ioapic-0x20', policy)).toBe(true);
  });
});

describe('makeRow and rowName', () => {
  it('names a row kernel/vmm/policy/guest and gives it the default bounded machine', () => {
    const row = makeRow('legacy', 'qemu', 'native', 'linux');
    expect(row).toEqual({
      kernel: 'legacy',
      vmm: 'qemu',
      policy: 'native',
      guest: 'linux',
      config: DEFAULT_FUZZ_CONFIG,
    });
    expect(rowName(row)).toBe('legacy/qemu/native/linux');
    expect(DEFAULT_FUZZ_CONFIG).toEqual({ vcpus: 1, pins: 2 });
  });
});

describe('promiseRows', () => {
  it("lists the patch's clean rows for each guest: ENABLE with 0x20, DISABLE with 0x11 and 0x20", () => {
    const config = { vcpus: 2, pins: 4 };
    expect(promiseRows(['linux', 'windows-hyperv'], config)).toEqual([
      makeRow('upstream', 'ioapic-0x20', 'enable', 'linux', config),
      makeRow('upstream', 'ioapic-0x20', 'enable', 'windows-hyperv', config),
      makeRow('upstream', 'ioapic-0x11', 'disable', 'linux', config),
      makeRow('upstream', 'ioapic-0x11', 'disable', 'windows-hyperv', config),
      makeRow('upstream', 'ioapic-0x20', 'disable', 'linux', config),
      makeRow('upstream', 'ioapic-0x20', 'disable', 'windows-hyperv', config),
    ]);
    expect(promiseRows(['linux'])[0]?.config).toEqual(DEFAULT_FUZZ_CONFIG);
  });
});
