import { checkedStep, startChecked } from '../check/checkedRun.js';
import { explore } from '../explore/explore.js';
import { boundOf } from '../explore/matrixReport.js';
import { fuzz } from '../fuzz/campaign.js';
import type { Config } from '../model/config.js';
import { GUESTS } from '../model/guests/index.js';
import { VMMS } from '../model/vmms.js';
import { setupCommands } from '../scenario/policy.js';
import { makeRow, type Policy, policyApplies, type Row } from '../scenario/row.js';

/** The flags a VMM may set, most preferred first: a directed-EOI guest then takes no exit per interrupt. */
export const FLAG_POLICIES: readonly Policy[] = ['enable', 'disable', 'none'];

/** The budget behind each verdict. */
export interface AdviseOptions {
  /** Kernel profile (the patched kernel, `upstream`, unless told). */
  kernel: string;
  /** Bounded machine. */
  config: Config;
  /** Exhaustive search: commands after setup, at most. */
  depth: number;
  /** Exhaustive search: stop a row once this many distinct states are stored. */
  maxStates: number;
  /** Fuzz runs per row. */
  runs: number;
  /** Fuzz seed. */
  seed: number;
}

/** What exhaustive search and fuzzing found for one guest under one policy. */
export interface GuestVerdict {
  /** Guest profile. */
  guest: string;
  /** Invariants violated, expected (documented) or not, by either search. */
  violated: string[];
  /** Those of `violated` that some search found with no documented reason. */
  unexpected: string[];
  /** Vectors some reachable state leaves pending forever (explorer deadlocks). */
  deadlocks: number[];
  /** How far the exhaustive search proves it: the fixpoint or a depth. */
  proven: string;
}

/** One policy for the VMM, over every named guest. */
export interface PolicyVerdict {
  /** Setup policy. */
  policy: Policy;
  /** No guest shows any violation or deadlock, and the kernel accepts the policy's flag. */
  safe: boolean;
  /** The errno KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) answers the policy's flag with, when it refuses it. */
  refused?: number;
  /** Per guest. */
  guests: GuestVerdict[];
}

/** The flag a VMM profile should set, and the verdicts behind it. */
export interface Advice {
  /** VMM profile. */
  vmm: string;
  /** Kernel profile the verdicts hold for. */
  kernel: string;
  /** The most preferred safe flag policy, or null when none is safe. */
  recommended: Policy | null;
  /** Verdicts for enable, disable, none, and native when the profile has its own setup. */
  policies: PolicyVerdict[];
}

/** Every guest profile but the adversarial one: the guests real VMMs run. */
export function namedGuests(): string[] {
  return [...GUESTS.keys()].filter((guest) => guest !== 'adversarial');
}

/** The errno the kernel refuses the setup's X2APIC_API flag with, if it does. */
function flagRefusal(row: Row): number | undefined {
  let checked = startChecked(row, row.config);
  for (const [index, command] of setupCommands(row).entries()) {
    const { next, result } = checkedStep(checked, command, index);
    checked = next;
    const { ret } = result.observation;
    if (command.op === 'KVM_ENABLE_CAP' && command.cap === 'KVM_CAP_X2APIC_API' && ret !== 0) return ret;
  }
  return undefined;
}

function judge(vmm: string, policy: Policy, guest: string, options: AdviseOptions): GuestVerdict {
  const row = makeRow(options.kernel, vmm, policy, guest, options.config);
  const explored = explore(row, { depth: options.depth, maxStates: options.maxStates, symmetry: true });
  const [fuzzed] = fuzz([row], { seed: options.seed, runs: options.runs, maxCommands: 30 });
  const found = [...explored.found, ...(fuzzed?.found ?? [])].map((f) => f.violation);
  const violated = new Set(found.map((v) => v.invariant));
  const unexpected = new Set(found.filter((v) => v.expected === null).map((v) => v.invariant));
  return {
    guest,
    violated: [...violated].sort(),
    unexpected: [...unexpected].sort(),
    deadlocks: explored.deadlocks.map((d) => d.vector),
    proven: boundOf(explored),
  };
}

/** Checks every flag policy (and the VMM's own setup) for every named guest on the kernel, and picks the flag. */
export function advise(vmm: string, options: AdviseOptions): Advice {
  if (!VMMS.has(vmm)) throw new Error(`advise: unknown VMM profile ${vmm}`);
  const policies = [...FLAG_POLICIES, 'native' as const].filter((policy) => policyApplies(vmm, policy));
  const verdicts = policies.map((policy): PolicyVerdict => {
    const refused = flagRefusal(makeRow(options.kernel, vmm, policy, 'linux', options.config));
    const guests = namedGuests().map((guest) => judge(vmm, policy, guest, options));
    const clean = guests.every((g) => g.violated.length === 0 && g.deadlocks.length === 0);
    return {
      policy,
      safe: clean && refused === undefined,
      ...(refused === undefined ? {} : { refused }),
      guests,
    };
  });
  const recommended = verdicts.find((v) => v.safe && v.policy !== 'native')?.policy ?? null;
  return { vmm, kernel: options.kernel, recommended, policies: verdicts };
}
