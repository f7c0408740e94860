import fc from 'fast-check';
import { commandsFor } from '../fuzz/alphabet.js';
import { makeRow } from '../fuzz/row.js';
import type { Command } from '../model/command.js';
import type { Config } from '../model/config.js';
import type { Trace } from '../model/trace.js';
import { TRACE_FORMAT } from '../model/traceSchema.js';

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
 * Random traces over the fuzzer's whole alphabet for an adversarial VMM and guest (ioctls, the guest's CPU and
 * I/O APIC commands, the device, the clock), less guest.init, which the runner cannot send, for the kernel profile
 * the kernel is compared with, weighted towards the guest so that random setups reach EOIs. Shrinking removes and
 * simplifies commands.
 */
export function kernelTraceArbitrary(
  kernel: string,
  maxCommands: number,
  config = DIFF_CONFIG,
): fc.Arbitrary<Trace> {
  const vcpus = Array.from({ length: config.vcpus }, (_, id) => id);
  const row = makeRow(kernel, 'ioapic-0x20', 'adversarial', 'adversarial', config);
  const alphabet = [
    { op: 'KVM_CHECK_EXTENSION', fd: 'system', cap: 'KVM_CAP_X2APIC_API' } as Command,
    ...commandsFor(row, vcpus).filter((command) => command.op !== 'guest.init'),
  ];
  const group = (test: (op: Command['op']) => boolean) =>
    fc.constantFrom(...alphabet.filter((command) => test(command.op)));
  const command = fc.oneof(
    { arbitrary: group((op) => op.startsWith('KVM_')), weight: 3 },
    { arbitrary: group((op) => op === 'guest.ioapicWriteRte'), weight: 1 },
    { arbitrary: group((op) => op.startsWith('guest.') && op !== 'guest.ioapicWriteRte'), weight: 4 },
    { arbitrary: group((op) => op === 'device.setLine' || op === 'clock.advance'), weight: 2 },
  );
  return fc
    .tuple(
      fc.constantFrom(...DIFF_VMMS),
      fc.array(command, { minLength: 1, maxLength: maxCommands, size: 'max' }),
    )
    .map(([vmm, commands]) => ({
      format: TRACE_FORMAT,
      profile: { kernel, vmm, guest: 'adversarial' },
      config,
      commands: withCreatedVcpus(commands),
    }));
}
