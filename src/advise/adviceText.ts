import { INVARIANTS } from '../invariants/index.js';
import { VMMS } from '../model/vmms.js';
import type { Advice, PolicyVerdict } from './advise.js';

const FLAG_NAME: Record<string, string> = {
  enable:
    'KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST (a directed-EOI guest then takes no exit per level interrupt)',
  disable: 'KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST (explicit, not relying on the legacy quirk)',
  none: 'neither flag (the legacy quirk)',
};

function problems(verdict: PolicyVerdict): string {
  const byGuest = verdict.guests
    .filter((g) => g.violated.length > 0 || g.deadlocks.length > 0)
    .map((g) => {
      const stuck = g.deadlocks.length > 0 ? [`deadlock on vector ${g.deadlocks.join(', ')}`] : [];
      return `${g.guest}: ${[...g.violated, ...stuck].join(', ')}`;
    });
  return byGuest.join('; ');
}

function line(verdict: PolicyVerdict): string {
  const label = verdict.policy === 'native' ? 'what it does today (native)' : verdict.policy;
  const proof = [...new Set(verdict.guests.map((g) => g.proven))].join(', ');
  if (verdict.refused !== undefined) return `  ${label}: refused by KVM_ENABLE_CAP (${verdict.refused})`;
  return verdict.safe
    ? `  ${label}: clean for every guest (exhaustive search to ${proof}, and fuzzing)`
    : `  ${label}: ${problems(verdict)}`;
}

/** The advice as a few lines a VMM maintainer reads: the flag, why, and what every other choice risks. */
export function adviceText(advice: Advice): string {
  const profile = VMMS.get(advice.vmm);
  const ioapic = profile === undefined ? '' : ` (I/O APIC 0x${profile.ioapicVersion.toString(16)})`;
  const head =
    advice.recommended === null
      ? `${advice.vmm}${ioapic} on ${advice.kernel}: no flag is safe for every guest`
      : `${advice.vmm}${ioapic} on ${advice.kernel}: set ${FLAG_NAME[advice.recommended]} before creating vCPUs`;
  const seen = new Set(advice.policies.flatMap((p) => p.guests.flatMap((g) => g.violated)));
  const why = INVARIANTS.filter((i) => seen.has(i.id)).map((i) => `  ${i.id}: ${i.statement}`);
  const deadlock = advice.policies.some((p) => p.guests.some((g) => g.deadlocks.length > 0))
    ? ['  deadlock: a pending level interrupt that no guest or device action ever delivers again']
    : [];
  const legend = why.length + deadlock.length > 0 ? ['where', ...why, ...deadlock] : [];
  return [head, ...advice.policies.map(line), ...legend].join('\n');
}
