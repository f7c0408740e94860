import fc from 'fast-check';
import { MSR } from '../../machines/apic.js';
import { FLAG_DISABLE_SEOIB, FLAG_ENABLE_SEOIB } from '../../machines/vm.js';
import { type Command, isIoctl } from '../model/command.js';
import type { Config } from '../model/config.js';
import type { Trace } from '../model/trace.js';
import { TRACE_FORMAT } from '../model/traceSchema.js';
import { commandsFor } from '../scenario/alphabet.js';
import { makeRow } from '../scenario/row.js';

/** The VM seoib's differential runs build: two vCPUs and two I/O APIC pins. */
export const DIFF_CONFIG: Config = { vcpus: 2, pins: 2 };

/** The VMM profiles the kernel is driven with in split mode. */
const DIFF_VMMS = ['ioapic-0x11', 'ioapic-0x20'] as const;

/** Creates each vCPU just before the first command that names it, unless the trace created it already. */
function withCreatedVcpus(commands: readonly Command[]): Command[] {
  const created = new Set<number>();
  return commands.flatMap((command): Command[] => {
    if (command.op === 'KVM_CREATE_VCPU') created.add(command.id);
    if (!('vcpu' in command) || created.has(command.vcpu)) return [command];
    created.add(command.vcpu);
    return [{ op: 'KVM_CREATE_VCPU', id: command.vcpu }, command];
  });
}

/**
 * A VM whose guest can take interrupts: an irqchip (split, or in-kernel), maybe a flag, every vCPU with x2APIC
 * in CPUID and its APIC software-enabled, with or without SPIV bit 12. Without it random traces rarely get as far
 * as an EOI.
 */
function bootedVm(config: Config): fc.Arbitrary<Command[]> {
  return fc
    .record({
      split: fc.boolean(),
      flag: fc.constantFrom(0, FLAG_ENABLE_SEOIB, FLAG_DISABLE_SEOIB),
      spiv: fc.constantFrom(0x1ff, 0x11ff),
    })
    .map(({ split, flag, spiv }) => {
      const vcpus = Array.from({ length: config.vcpus }, (_, id) => id);
      return [
        split
          ? { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [config.pins] }
          : { op: 'KVM_CREATE_IRQCHIP' },
        ...(flag === 0 ? [] : [{ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [flag] }]),
        ...vcpus.map((id) => ({ op: 'KVM_CREATE_VCPU', id })),
        ...vcpus.map((vcpu) => ({ op: 'KVM_SET_CPUID2', vcpu, x2apic: true })),
        ...vcpus.map((vcpu) => ({ op: 'guest.wrmsr', vcpu, msr: MSR.spiv, value: BigInt(spiv) })),
      ] as Command[];
    });
}

/**
 * Random traces over the fuzzer's whole alphabet for an adversarial VMM and guest (ioctls, the guest's CPU and
 * I/O APIC commands, the device, the clock), less INIT of an AP, which the runner cannot restart, for the kernel profile
 * the kernel is compared with, most of them after a booted VM's setup and weighted towards the guest, so that
 * random traces reach interrupts and EOIs. With `ioctlsOnly`, the ioctls alone, for a kernel whose guest commands
 * do not compare (GuestFidelity). Shrinking removes and simplifies commands.
 */
export function kernelTraceArbitrary(
  kernel: string,
  maxCommands: number,
  config = DIFF_CONFIG,
  ioctlsOnly = false,
): fc.Arbitrary<Trace> {
  const vcpus = Array.from({ length: config.vcpus }, (_, id) => id);
  const row = makeRow(kernel, 'ioapic-0x20', 'adversarial', 'adversarial', config);
  const alphabet = [
    { op: 'KVM_CHECK_EXTENSION', fd: 'system', cap: 'KVM_CAP_X2APIC_API' } as Command,
    ...commandsFor(row, vcpus).filter((command) => command.op !== 'guest.init' || command.vcpu === 0),
  ].filter((command) => !ioctlsOnly || isIoctl(command));
  const group = (test: (op: Command['op']) => boolean) =>
    fc.constantFrom(...alphabet.filter((command) => test(command.op)));
  const interrupt = (op: Command['op']) => op === 'guest.acceptInterrupt' || op === 'guest.eoi';
  const ioctl = group((op) => op.startsWith('KVM_'));
  const command = ioctlsOnly
    ? ioctl
    : fc.oneof(
        { arbitrary: ioctl, weight: 2 },
        { arbitrary: group((op) => op === 'guest.ioapicWriteRte'), weight: 2 },
        { arbitrary: group(interrupt), weight: 4 },
        {
          arbitrary: group(
            (op) => op.startsWith('guest.') && op !== 'guest.ioapicWriteRte' && !interrupt(op),
          ),
          weight: 2,
        },
        { arbitrary: group((op) => op === 'device.setLine' || op === 'clock.advance'), weight: 2 },
      );
  return fc
    .tuple(
      fc.constantFrom(...DIFF_VMMS),
      fc.option(
        bootedVm(config).map((setup) => setup.filter((c) => !ioctlsOnly || isIoctl(c))),
        { freq: 4 },
      ),
      fc.array(command, { minLength: 1, maxLength: maxCommands, size: 'max' }),
    )
    .map(([vmm, setup, commands]) => ({
      format: TRACE_FORMAT,
      profile: { kernel, vmm, guest: 'adversarial' },
      config,
      commands: withCreatedVcpus([...(setup ?? []), ...commands]),
    }));
}
