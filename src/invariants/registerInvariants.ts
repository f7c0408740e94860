import { LVR_DIRECTED_EOI } from '../../machines/apic.js';
import { lvrValue, spivDirectedEoi } from '../../machines/lapic.js';
import { advertisesSuppressEoiBroadcast } from '../../machines/vm.js';
import type { ModelState } from '../model/state.js';
import { EXCUSES } from './excuses.js';
import { stateless } from './invariant.js';

function lvrDisagrees(state: ModelState, vcpu: number): boolean {
  const lapic = state.lapics[vcpu];
  if (lapic == null || lapic.value.apic === 'absent') return false;
  const bit24 = (lvrValue(lapic.value) & LVR_DIRECTED_EOI) !== 0;
  return bit24 !== (lapic.context.x2apic && advertisesSuppressEoiBroadcast(state.vm.value));
}

function spivWithoutLvr(state: ModelState, vcpu: number): boolean {
  const lapic = state.lapics[vcpu];
  return lapic != null && spivDirectedEoi(lapic.value) && (lvrValue(lapic.value) & LVR_DIRECTED_EOI) === 0;
}

/**
 * The vCPUs for which `broken` became true across this command. `broken` reads a vCPU's LAPIC and the VM's state
 * value only, and equal snapshots are one object (src/model/intern.ts): a vCPU whose both are the same objects as
 * before cannot have changed.
 */
function newlyBroken(
  before: ModelState,
  after: ModelState,
  broken: (s: ModelState, vcpu: number) => boolean,
): number[] {
  // Stryker disable next-line ConditionalExpression: a shortcut; an unchanged vCPU is found unchanged either way.
  const vmSame = before.vm.value === after.vm.value;
  const vcpus: number[] = [];
  after.lapics.forEach((lapic, vcpu) => {
    // Stryker disable next-line ConditionalExpression: a shortcut; an unchanged vCPU is found unchanged either way.
    if (vmSame && lapic === before.lapics[vcpu]) return;
    if (broken(after, vcpu) && !broken(before, vcpu)) vcpus.push(vcpu);
  });
  return vcpus;
}

export const lvrAdvertise = stateless(
  {
    id: 'lvr-advertise',
    statement: 'LVR bit 24 equals (guest CPUID has x2APIC && advertise(vm)) on every vCPU',
    clause: 'DESIGN §1: "LVR bit 24 = guest CPUID has x2APIC && advertise(vm)"',
    appliesTo: 'vCPUs with an in-kernel LAPIC',
    excuses: [EXCUSES.staleLvr],
  },
  ({ before, after }) => {
    const vcpus = newlyBroken(before, after, lvrDisagrees);
    return vcpus.length === 0
      ? undefined
      : `LVR bit 24 disagrees with advertise() on vCPU ${vcpus.join(', ')}`;
  },
);

export const spivNeedsLvr = stateless(
  {
    id: 'spiv-needs-lvr',
    statement: 'SPIV bit 12 is set only while LVR bit 24 is set',
    clause: 'DESIGN §1: "bit 12 kept only if the stored LVR has bit 24"',
    appliesTo: 'vCPUs with an in-kernel LAPIC',
    excuses: [EXCUSES.rawSpiv],
  },
  ({ before, after }) => {
    const vcpus = newlyBroken(before, after, spivWithoutLvr);
    return vcpus.length === 0 ? undefined : `SPIV bit 12 without LVR bit 24 on vCPU ${vcpus.join(', ')}`;
  },
);
