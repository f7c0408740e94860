import type { Command } from '../model/command.js';

function vectorList(vectors: readonly number[]): string {
  return vectors.length === 0 ? '-' : vectors.join(',');
}

/**
 * The runner request for an ioctl of a trace, or undefined for guest, device and clock commands, which
 * kernelCommand.ts runs through the runner's guest and the VMM's I/O APIC.
 */
export function requestFor(command: Command): string | undefined {
  switch (command.op) {
    case 'KVM_CHECK_EXTENSION':
      return `check_extension ${command.fd}`;
    case 'KVM_CREATE_IRQCHIP':
      return 'create_irqchip';
    case 'KVM_ENABLE_CAP':
      return `enable_cap ${command.cap === 'KVM_CAP_SPLIT_IRQCHIP' ? 'split' : 'x2apic'} ${command.args[0]}`;
    case 'KVM_CREATE_VCPU':
      return `create_vcpu ${command.id}`;
    case 'KVM_SET_CPUID2':
      return `set_cpuid ${command.vcpu} ${command.x2apic ? 1 : 0}`;
    case 'KVM_GET_LAPIC':
      return `get_lapic ${command.vcpu} ${command.reg}`;
    case 'KVM_SET_LAPIC':
      return `set_lapic ${command.vcpu} ${command.spiv} ${vectorList(command.irr)} ${vectorList(command.isr)} ${vectorList(command.tmr)}`;
    default:
      return undefined;
  }
}
