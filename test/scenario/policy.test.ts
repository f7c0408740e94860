import { describe, expect, it } from 'vitest';
import { FLAG_DISABLE_SEOIB, FLAG_ENABLE_SEOIB } from '../../machines/vm.js';
import { setupCommands } from '../../src/scenario/policy.js';
import { makeRow } from '../../src/scenario/row.js';

const config = { vcpus: 2, pins: 3 };
const vcpusAndCpuid = [
  { op: 'KVM_CREATE_VCPU', id: 0 },
  { op: 'KVM_CREATE_VCPU', id: 1 },
  { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
  { op: 'KVM_SET_CPUID2', vcpu: 1, x2apic: true },
];
const split = { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [3] };
const x2apicApi = (flag: number) => ({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [flag] });

describe('setupCommands', () => {
  it('orders split irqchip, the flag, then every vCPU, then every CPUID (DESIGN §2)', () => {
    expect(setupCommands(makeRow('upstream', 'ioapic-0x20', 'enable', 'linux', config))).toEqual([
      split,
      x2apicApi(FLAG_ENABLE_SEOIB),
      ...vcpusAndCpuid,
    ]);
    expect(setupCommands(makeRow('upstream', 'ioapic-0x11', 'disable', 'linux', config))).toEqual([
      split,
      x2apicApi(FLAG_DISABLE_SEOIB),
      ...vcpusAndCpuid,
    ]);
  });

  it('sets no flag under the none policy', () => {
    expect(setupCommands(makeRow('upstream', 'ioapic-0x20', 'none', 'linux', config))).toEqual([
      split,
      ...vcpusAndCpuid,
    ]);
  });

  it("takes the irqchip from the VMM's native setup under every ordered policy", () => {
    expect(setupCommands(makeRow('upstream', 'firecracker', 'enable', 'linux', config))).toEqual([
      { op: 'KVM_CREATE_IRQCHIP' },
      x2apicApi(FLAG_ENABLE_SEOIB),
      ...vcpusAndCpuid,
    ]);
  });

  it("runs the VMM's own setup under native: irqchip and flag", () => {
    expect(setupCommands(makeRow('upstream', 'qemu-rfc', 'native', 'linux', config))).toEqual([
      split,
      x2apicApi(FLAG_ENABLE_SEOIB),
      ...vcpusAndCpuid,
    ]);
    expect(setupCommands(makeRow('upstream', 'qemu-rfc-0x11', 'native', 'linux', config))[1]).toEqual(
      x2apicApi(FLAG_DISABLE_SEOIB),
    );
    expect(setupCommands(makeRow('upstream', 'firecracker', 'native', 'linux', config))).toEqual([
      { op: 'KVM_CREATE_IRQCHIP' },
      ...vcpusAndCpuid,
    ]);
  });

  it('refuses native for a VMM profile without a native setup, naming it', () => {
    expect(() => setupCommands(makeRow('upstream', 'ioapic-0x20', 'native', 'linux', config))).toThrow(
      'VMM profile ioapic-0x20 has no native setup',
    );
  });

  it('leaves the adversarial policy without setup: its ioctls are drawn like everything else', () => {
    expect(setupCommands(makeRow('upstream', 'ioapic-0x20', 'adversarial', 'linux', config))).toEqual([]);
  });
});
