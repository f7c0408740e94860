import { FLAG_DISABLE_SEOIB, FLAG_ENABLE_SEOIB, type VmEvent, vmMachine } from '../../machines/vm.js';
import { isIoctl } from '../model/command.js';
import { advance } from '../model/drive.js';
import type { VmSnapshot } from '../model/state.js';
import type { Executed } from '../model/step.js';
import { EXCUSES, IOCTL_EXCUSES } from './excuses.js';
import { stateless } from './invariant.js';

function enablingWouldSucceed(vm: VmSnapshot): boolean {
  const event: VmEvent = { type: 'ENABLE_X2APIC_API', flags: FLAG_ENABLE_SEOIB };
  const { emitted } = advance(vmMachine, vm, event);
  // Stryker disable next-line ConditionalExpression: ENABLE_X2APIC_API emits nothing but its ret.
  return emitted.find((e) => e.type === 'ret')?.value === 0;
}

/**
 * What a failed ioctl must leave alone. A pending KVM_REQ_SCAN_IOAPIC is left out: KVM's -EEXIST for a taken vCPU
 * id asks every vCPU to rescan (it built and reset a LAPIC first), which only recomputes state at the next entry.
 */
function kernelState({ vm, lapics, pins }: Executed['before']): string {
  const registers = lapics.map(
    // Stryker disable next-line BooleanLiteral: any constant leaves the pending rescan out alike.
    (lapic) => lapic && { ...lapic, context: { ...lapic.context, scanRequested: false } },
  );
  return JSON.stringify([vm, registers, pins]);
}

/**
 * Every machine snapshot the same object: interned (src/model/intern.ts), so the same state, unserialised. A state
 * has as many LAPIC and pin slots as its config says, before and after.
 */
function sameSnapshots(before: Executed['before'], after: Executed['after']): boolean {
  return (
    // Stryker disable next-line ConditionalExpression: a shortcut; "not the same" compares serialised.
    before.vm === after.vm &&
    // Stryker disable next-line ArrowFunction,ConditionalExpression: a shortcut; "not the same" compares serialised.
    before.lapics.every((lapic, vcpu) => lapic === after.lapics[vcpu]) &&
    // Stryker disable next-line ArrowFunction,ConditionalExpression: a shortcut; "not the same" compares serialised.
    before.pins.every((pin, index) => pin === after.pins[index])
  );
}

export const flagsExclusive = stateless(
  {
    id: 'flags-exclusive',
    statement:
      'KVM_CAP_X2APIC_API with both ENABLE (bit 2) and DISABLE (bit 3) fails with -EINVAL and changes nothing',
    clause:
      'DESIGN §1: bits 2 and 3 together -EINVAL; patch: "Setting both ... will fail with an EINVAL error"',
    appliesTo: 'every kernel with bits 2 and 3',
    excuses: IOCTL_EXCUSES,
  },
  ({ command, before, after, observation }) => {
    if (command.op !== 'KVM_ENABLE_CAP' || command.cap !== 'KVM_CAP_X2APIC_API') return undefined;
    const both = FLAG_ENABLE_SEOIB | FLAG_DISABLE_SEOIB;
    if ((command.args[0] & both) !== both) return undefined;
    if (observation.ret !== -22) return `args ${command.args[0]} returned ${observation.ret}, not -EINVAL`;
    return before.vm.value.seoib === after.vm.value.seoib ? undefined : 'the SEOIB mode changed';
  },
);

export const enableNeedsSplit = stateless(
  {
    id: 'enable-needs-split',
    statement: 'Suppress EOI Broadcast is ENABLED only in a VM with a split irqchip',
    clause:
      'DESIGN §1: bit 2 without a split irqchip -EINVAL; patch: "requires split IRQCHIP to be configured first"',
    appliesTo: 'every kernel',
    excuses: IOCTL_EXCUSES,
  },
  ({ after }) =>
    after.vm.value.seoib === 'enabled' && after.vm.value.irqchip !== 'split'
      ? `mode ENABLED with irqchip ${after.vm.value.irqchip}`
      : undefined,
);

export const failedIoctlAtomic = stateless(
  {
    id: 'failed-ioctl-atomic',
    statement: 'An ioctl that fails leaves the VM, the LAPICs and the I/O APIC unchanged',
    clause: 'DESIGN §1: "each failure -EINVAL and no change"',
    appliesTo: 'every kernel, every ioctl',
    excuses: IOCTL_EXCUSES,
  },
  ({ command, before, after, observation }) => {
    if (!isIoctl(command) || observation.ret === undefined || observation.ret >= 0) return undefined;
    return sameSnapshots(before, after) || kernelState(before) === kernelState(after)
      ? undefined
      : `${command.op} returned ${observation.ret} but changed state`;
  },
);

export const checkExtensionTruthful = stateless(
  {
    id: 'check-extension-truthful',
    statement:
      'The VM fd CHECK_EXTENSION(KVM_CAP_X2APIC_API) has bit 2 exactly when enabling bit 2 would succeed',
    clause:
      'DESIGN §3; the thread: "the kernel doesn\'t *admit* to having the _ENABLE_ capability until ..."',
    appliesTo: 'VM fd queries',
    excuses: [EXCUSES.lockedWhatIf, EXCUSES.draftAdvertises],
  },
  ({ command, before, observation }) => {
    if (command.op !== 'KVM_CHECK_EXTENSION' || command.fd !== 'vm' || observation.ret === undefined)
      return undefined;
    const advertised = (observation.ret & FLAG_ENABLE_SEOIB) !== 0;
    const works = enablingWouldSucceed(before.vm);
    if (advertised === works) return undefined;
    return advertised
      ? 'bit 2 advertised, but enabling it fails'
      : 'bit 2 not advertised, but enabling it succeeds';
  },
);
