import { FLAG_DISABLE_SEOIB, FLAG_ENABLE_SEOIB } from '../../machines/vm.js';
import type { Command } from '../model/command.js';
import { type NativeSetup, VMMS } from '../model/vmms.js';
import type { Row } from './row.js';

/**
 * The ordered setup of DESIGN §2: split irqchip, the policy's flag, then every vCPU and its CPUID; `native` takes
 * the flag from the VMM profile too, the other policies only its irqchip (KVM's own for Firecracker). The adversarial policy has no fixed setup: its ioctls are random like
 * everything else.
 */
export function setupCommands(row: Row): Command[] {
  if (row.policy === 'adversarial') return [];
  const native = VMMS.get(row.vmm)?.native;
  if (row.policy === 'native' && native === undefined)
    throw new Error(`VMM profile ${row.vmm} has no native setup`);
  const setup: NativeSetup =
    row.policy === 'native'
      ? (native as NativeSetup)
      : { irqchip: native?.irqchip ?? 'split', flag: row.policy };
  const flag = { none: undefined, enable: FLAG_ENABLE_SEOIB, disable: FLAG_DISABLE_SEOIB }[setup.flag];
  const commands: Command[] = [
    setup.irqchip === 'split'
      ? { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [row.config.pins] }
      : { op: 'KVM_CREATE_IRQCHIP' },
  ];
  if (flag !== undefined) commands.push({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [flag] });
  for (let id = 0; id < row.config.vcpus; id++) commands.push({ op: 'KVM_CREATE_VCPU', id });
  for (let vcpu = 0; vcpu < row.config.vcpus; vcpu++)
    commands.push({ op: 'KVM_SET_CPUID2', vcpu, x2apic: true });
  return commands;
}
