import { describe, expect, it } from 'vitest';
import { adviceText } from '../../src/advise/adviceText.js';
import { type Advice, type AdviseOptions, advise } from '../../src/advise/advise.js';

const options: AdviseOptions = {
  kernel: 'upstream',
  config: { vcpus: 1, pins: 2 },
  depth: 40,
  maxStates: 1_000_000,
  runs: 50,
  seed: 20261125,
};

const advised = new Map<string, Advice>();
const adviceFor = (vmm: string): Advice => {
  if (!advised.has(vmm)) advised.set(vmm, advise(vmm, options));
  return advised.get(vmm) as Advice;
};
const verdict = (vmm: string, policy: string) => adviceFor(vmm).policies.find((p) => p.policy === policy);

// Exhaustive search to the fixpoint per flag and guest: minutes on a loaded 2-core CI machine.
describe('advise (seed 20261125)', { timeout: 180_000 }, () => {
  it('tells QEMU (0x20) to ENABLE: its own setup storms Credential Guard and Xen', () => {
    const advice = adviceFor('qemu');
    expect(advice.recommended).toBe('enable');
    const native = advice.policies.find((p) => p.policy === 'native');
    expect(native?.safe).toBe(false);
    expect(native?.guests.find((g) => g.guest === 'credential-guard')?.violated).toContain('no-storm');
    expect(native?.guests.find((g) => g.guest === 'xen-l1')?.violated).toContain('no-storm');
    expect(native?.guests.find((g) => g.guest === 'linux')?.violated).toEqual([]);
    expect(adviceText(advice)).toMatch(
      /^qemu \(I\/O APIC 0x20\) on upstream: set KVM_X2APIC_ENABLE_SUPPRESS/,
    );
  });

  it('tells cloud-hypervisor (0x11) to DISABLE: ENABLE strands Windows interrupts, a pin stuck for good', () => {
    const advice = adviceFor('cloud-hypervisor');
    expect(advice.recommended).toBe('disable');
    const enable = advice.policies.find((p) => p.policy === 'enable');
    for (const guest of ['windows-hyperv', 'credential-guard', 'xen-l1']) {
      const g = enable?.guests.find((v) => v.guest === guest);
      expect(g?.violated).toContain('no-stuck-pin');
      expect(g?.deadlocks.length).toBeGreaterThan(0);
    }
    expect(enable?.guests.find((v) => v.guest === 'linux')?.violated).toEqual([]);
  });

  it("knows that Firecracker's in-kernel irqchip refuses ENABLE, and keeps its own setup clean", () => {
    expect(verdict('firecracker', 'enable')).toMatchObject({ safe: false, refused: -22 });
    expect(verdict('firecracker', 'native')?.safe).toBe(true);
    expect(adviceFor('firecracker').recommended).toBe('disable');
  });

  it('finds the QEMU RFC safe as it sets the flag, with either I/O APIC version', () => {
    expect(verdict('qemu-rfc', 'native')?.safe).toBe(true);
    expect(verdict('qemu-rfc-0x11', 'native')?.safe).toBe(true);
    expect(verdict('qemu-rfc-0x11', 'enable')?.safe).toBe(false);
  });
});
