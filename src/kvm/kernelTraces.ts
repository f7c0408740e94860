import fc from 'fast-check';
import { ioctls } from '../fuzz/alphabet.js';
import type { Command } from '../model/command.js';
import type { Config } from '../model/config.js';
import type { Trace } from '../model/trace.js';
import { TRACE_FORMAT } from '../model/traceSchema.js';

/** The VM seoib's differential runs build: two vCPUs and a full 24-pin I/O APIC. */
export const DIFF_CONFIG: Config = { vcpus: 2, pins: 24 };

/** Drops vCPU commands issued before a successful-looking KVM_CREATE_VCPU of that id, so the trace parses. */
function withCreatedVcpus(commands: readonly Command[]): Command[] {
  const created = new Set<number>();
  return commands.filter((command) => {
    if (command.op === 'KVM_CREATE_VCPU') created.add(command.id);
    return !('vcpu' in command) || created.has(command.vcpu);
  });
}

/**
 * Random ioctl-only traces (the part of the protocol the runner issues today) for the kernel profile the kernel is
 * compared with. Shrinking removes and simplifies commands.
 */
export function ioctlTraceArbitrary(
  kernel: string,
  maxCommands: number,
  config = DIFF_CONFIG,
): fc.Arbitrary<Trace> {
  const vcpus = Array.from({ length: config.vcpus }, (_, id) => id);
  const alphabet = [
    { op: 'KVM_CHECK_EXTENSION', fd: 'system', cap: 'KVM_CAP_X2APIC_API' } as Command,
    ...ioctls(config, vcpus),
  ];
  return fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: maxCommands }).map((commands) => ({
    format: TRACE_FORMAT,
    profile: { kernel, vmm: 'ioapic-0x20', guest: 'adversarial' },
    config,
    commands: withCreatedVcpus(commands),
  }));
}
