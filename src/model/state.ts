import { ioapicPinMachine, type PinInput } from '../../machines/ioapicPin.js';
import { type LapicInput, lapicMachine } from '../../machines/lapic.js';
import { vmMachine } from '../../machines/vm.js';
import type { Config, ProfileNames } from './config.js';
import { type PersistedOf, start } from './drive.js';
import type { GuestPhase } from './guests/program.js';
import { KERNELS } from './kernels.js';
import { quirksOf, VMMS, type VmmProfile } from './vmms.js';

export type VmSnapshot = PersistedOf<typeof vmMachine>;
export type LapicSnapshot = PersistedOf<typeof lapicMachine>;
export type PinSnapshot = PersistedOf<typeof ioapicPinMachine>;

/** The composed model: VM, vCPU LAPICs, I/O APIC pins, the guest program and the clock. */
export interface ModelState {
  /** Profiles this model runs. */
  profile: ProfileNames;
  /** Bounds: vCPU ids and pins. */
  config: Config;
  /** The VM capability machine. */
  vm: VmSnapshot;
  /** LAPIC machine per vCPU id; null until KVM_CREATE_VCPU succeeds. */
  lapics: readonly (LapicSnapshot | null)[];
  /** I/O APIC pin machines: the VMM's, or KVM's once the VM machine's irqchip is `kernel`. */
  pins: readonly PinSnapshot[];
  /** The guest program's phase per vCPU id. */
  guest: readonly GuestPhase[];
  /** Deterministic time in nanoseconds. */
  clockNs: number;
}

/** `count` pins of one I/O APIC, in their reset state. */
export function startPins(count: number, input: Omit<PinInput, 'pin'>): readonly PinSnapshot[] {
  return Array.from({ length: count }, (_, pin) => start(ioapicPinMachine, { pin, ...input }));
}

/** The pin input of a VMM profile's own I/O APIC. */
export function vmmIoapic(vmm: VmmProfile): Omit<PinInput, 'pin'> {
  return { version: vmm.ioapicVersion, quirks: quirksOf(vmm), inKernel: false };
}

export function startLapic(input: LapicInput): LapicSnapshot {
  return start(lapicMachine, input);
}

/** A powered-on VM with no irqchip and no vCPUs. Profile names must exist. */
export function initialState(profile: ProfileNames, config: Config): ModelState {
  const kernel = KERNELS.get(profile.kernel);
  const vmm = VMMS.get(profile.vmm);
  if (kernel === undefined || vmm === undefined)
    throw new Error(`unknown profile ${JSON.stringify(profile)}`);
  return {
    profile,
    config,
    vm: start(vmMachine, { traits: kernel.traits }),
    lapics: Array.from({ length: config.vcpus }, () => null),
    pins: startPins(config.pins, vmmIoapic(vmm)),
    guest: Array.from({ length: config.vcpus }, () => ({ phase: 'off' }) as const),
    clockNs: 0,
  };
}

/** Who owns the I/O APIC: KVM once the VM machine's irqchip is `kernel`, else the VMM (split irqchip or none). */
export function ioapicOwner(state: ModelState): 'kernel' | 'vmm' {
  return state.vm.value.irqchip === 'kernel' ? 'kernel' : 'vmm';
}

/** A shallow copy of the state, as one literal: the hot path copies a state for every command and reaction. */
export function copyState(state: ModelState): ModelState {
  const { profile, config, vm, lapics, pins, guest, clockNs } = state;
  return { profile, config, vm, lapics, pins, guest, clockNs };
}

export function replaceAt<T>(items: readonly T[], index: number, item: T): readonly T[] {
  const copy = items.slice();
  copy[index] = item;
  return copy;
}
