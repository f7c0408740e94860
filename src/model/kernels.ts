import type { KernelTraits } from '../../machines/vm.js';

/** A kernel profile: one version of KVM's KVM_CAP_X2APIC_API handling. */
export interface KernelProfile {
  /** Profile name used in traces and on the command line. */
  name: string;
  /** One line for `seoib profiles`. */
  description: string;
  /** The behaviour the machines read. */
  traits: KernelTraits;
}

const profiles: readonly KernelProfile[] = [
  {
    name: 'legacy',
    description: 'before the patch (Debian 6.1/6.12): flags 0x3 only, bits 2/3 -EINVAL, always the quirk',
    // Stryker disable BooleanLiteral: bits 2 and 3 are invalid here (validFlags 0x3), so these traits never act.
    traits: {
      validFlags: 0x3,
      disableNeedsSplit: false,
      vmFdHidesEnableWithoutSplit: false,
      modeLockedAfterVcpus: false,
      appliesBeforeChecking: false,
      // Stryker restore BooleanLiteral
      rescansStaleEoi: false,
    },
  },
  {
    name: 'v4',
    description: 'v4 draft: ENABLE and DISABLE both require a split irqchip; CHECK_EXTENSION 0xf on every fd',
    traits: {
      validFlags: 0xf,
      disableNeedsSplit: true,
      vmFdHidesEnableWithoutSplit: false,
      modeLockedAfterVcpus: false,
      appliesBeforeChecking: false,
      rescansStaleEoi: true,
    },
  },
  {
    name: 'v6',
    description:
      'v6 as posted (reference file): ENABLE requires split, DISABLE does not; 0xf advertised on every fd',
    traits: {
      validFlags: 0xf,
      disableNeedsSplit: false,
      vmFdHidesEnableWithoutSplit: false,
      modeLockedAfterVcpus: false,
      appliesBeforeChecking: false,
      rescansStaleEoi: true,
    },
  },
  {
    name: 'upstream',
    description:
      'as merged (6517dfbcc918): v6 checks, VM fd hides bit 2 until a split irqchip exists, no lock',
    traits: {
      validFlags: 0xf,
      disableNeedsSplit: false,
      vmFdHidesEnableWithoutSplit: true,
      modeLockedAfterVcpus: false,
      appliesBeforeChecking: false,
      rescansStaleEoi: true,
    },
  },
  {
    name: 'upstream-vcpu-lock',
    description: 'what-if: upstream, but a SEOIB mode change after the first vCPU fails with -EBUSY',
    traits: {
      validFlags: 0xf,
      disableNeedsSplit: false,
      vmFdHidesEnableWithoutSplit: true,
      modeLockedAfterVcpus: true,
      appliesBeforeChecking: false,
      rescansStaleEoi: true,
    },
  },
  {
    name: 'upstream-apply-first',
    description:
      'what-if: upstream, but flags applied before bits 2+3 and the split irqchip are checked (the order the patch avoids)',
    traits: {
      validFlags: 0xf,
      disableNeedsSplit: false,
      vmFdHidesEnableWithoutSplit: true,
      modeLockedAfterVcpus: false,
      appliesBeforeChecking: true,
      rescansStaleEoi: true,
    },
  },
];

export const KERNELS: ReadonlyMap<string, KernelProfile> = new Map(profiles.map((p) => [p.name, p]));
