import fc from 'fast-check';
import type { Command } from '../src/model/command.js';
import type { Trace } from '../src/model/trace.js';

const vector = fc.constantFrom(32, 64, 65, 80);
const vcpu = fc.constantFrom(0, 1);
const pin = fc.constantFrom(0, 5);

/** Any single command for a 2-vCPU, 8-pin VM, valid or not for the moment it runs. */
export const anyCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    op: fc.constant('KVM_CHECK_EXTENSION'),
    fd: fc.constantFrom('system', 'vm'),
    cap: fc.constant('KVM_CAP_X2APIC_API'),
  }),
  fc.constant({ op: 'KVM_CREATE_IRQCHIP' }),
  fc.record({
    op: fc.constant('KVM_ENABLE_CAP'),
    cap: fc.constant('KVM_CAP_SPLIT_IRQCHIP'),
    args: fc.tuple(fc.constantFrom(0, 4, 24, 5000)),
  }),
  fc.record({
    op: fc.constant('KVM_ENABLE_CAP'),
    cap: fc.constant('KVM_CAP_X2APIC_API'),
    args: fc.tuple(fc.integer({ min: 0, max: 31 })),
  }),
  fc.record({ op: fc.constant('KVM_CREATE_VCPU'), id: vcpu }),
  fc.record({ op: fc.constant('KVM_SET_CPUID2'), vcpu, x2apic: fc.boolean() }),
  fc.record({
    op: fc.constant('KVM_SET_LAPIC'),
    vcpu,
    spiv: fc.constantFrom(0xff, 0x1ff, 0x11ff),
    irr: fc.subarray([64, 80]),
    isr: fc.subarray([64]),
    tmr: fc.subarray([64]),
  }),
  fc.record({ op: fc.constant('KVM_GET_LAPIC'), vcpu, reg: fc.constantFrom(0x30, 0xf0, 0x120, 0x200) }),
  fc.record({
    op: fc.constant('guest.wrmsr'),
    vcpu,
    msr: fc.constantFrom(0x80f, 0x80b, 0x803),
    value: fc.constantFrom(0n, 0x1ffn, 0x11ffn, 1n << 32n),
  }),
  fc.record({ op: fc.constant('guest.rdmsr'), vcpu, msr: fc.constantFrom(0x803, 0x80f, 0x812, 0x801) }),
  fc.record({ op: fc.constant('guest.eoi'), vcpu }),
  fc.record({ op: fc.constant('guest.acceptInterrupt'), vcpu }),
  fc.record({
    op: fc.constant('guest.ioapicWriteRte'),
    pin,
    vector,
    trigger: fc.constantFrom('edge', 'level'),
    masked: fc.boolean(),
    dest: vcpu,
  }),
  fc.record({ op: fc.constant('guest.ioapicEoi'), vector }),
  fc.record({ op: fc.constant('guest.init'), vcpu }),
  fc.record({ op: fc.constant('device.setLine'), pin, level: fc.constantFrom(0, 1) }),
  fc.record({ op: fc.constant('clock.advance'), ns: fc.nat(10_000_000) }),
) as fc.Arbitrary<Command>;

/** Keeps only commands whose vCPU was created (successfully) earlier, as a trace requires. */
function referencesCreatedVcpus(commands: Command[]): Command[] {
  const created = new Set<number>();
  return commands.filter((command) => {
    if (command.op === 'KVM_CREATE_VCPU') created.add(command.id);
    return !('vcpu' in command) || created.has(command.vcpu);
  });
}

/** A valid trace of up to `max` commands under random profiles. */
export function anyTrace(max = 40): fc.Arbitrary<Trace> {
  return fc.record({
    format: fc.constant('seoib-trace/1' as const),
    profile: fc.record({
      kernel: fc.constantFrom('legacy', 'v4', 'v6', 'upstream', 'upstream-vcpu-lock', 'upstream-apply-first'),
      vmm: fc.constantFrom('ioapic-0x11', 'ioapic-0x20'),
      guest: fc.constantFrom('linux', 'windows-hyperv', 'credential-guard', 'adversarial'),
    }),
    config: fc.constant({ vcpus: 2, pins: 8 }),
    commands: fc.array(anyCommand, { maxLength: max }).map(referencesCreatedVcpus),
  });
}
