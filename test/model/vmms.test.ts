import { describe, expect, it } from 'vitest';
import { KERNEL_IOAPIC, registerVmm, VMMS } from '../../src/model/vmms.js';
import { PROFILE_NAMES } from '../helpers.js';

const BUILT_IN: readonly string[] = PROFILE_NAMES.vmm;

describe('VMM profiles', () => {
  it("are DESIGN §1's generic I/O APICs and real VMMs, each described apart, and KVM's own I/O APIC", () => {
    expect([...VMMS.keys()].filter((name) => BUILT_IN.includes(name))).toEqual(BUILT_IN);
    const descriptions = [...BUILT_IN.map((name) => VMMS.get(name)?.description), KERNEL_IOAPIC.description];
    expect(new Set(descriptions).size).toBe(descriptions.length);
    for (const description of descriptions) expect(description?.length).toBeGreaterThan(30);
    expect(KERNEL_IOAPIC.name).toBe('kvm');
  });

  it("adds a project's own profile, replaces it when registered again, and refuses every built-in name", () => {
    const removeFirst = registerVmm({ name: 'test-own-0x20', description: 'first', ioapicVersion: 0x20 });
    const restoreFirst = registerVmm({ name: 'test-own-0x20', description: 'second', ioapicVersion: 0x11 });
    expect(VMMS.get('test-own-0x20')).toEqual({
      name: 'test-own-0x20',
      description: 'second',
      ioapicVersion: 0x11,
    });
    restoreFirst();
    expect(VMMS.get('test-own-0x20')?.description).toBe('first');
    removeFirst();
    expect(VMMS.has('test-own-0x20')).toBe(false);
    for (const name of BUILT_IN)
      expect(() => registerVmm({ name, description: 'mine', ioapicVersion: 0x20 })).toThrow(
        `registerVmm: "${name}" is a built-in VMM profile; choose another name`,
      );
    expect(VMMS.get('qemu')?.description).not.toBe('mine');
  });
});
