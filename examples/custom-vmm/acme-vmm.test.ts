// A VMM project checks its own userspace I/O APIC against every seoib invariant, for every guest seoib models.
// In your project: npm install --save-dev seoib vitest @fast-check/vitest, then run vitest as usual.
import { describeVmm } from 'seoib/vitest';

// ACME's I/O APIC is version 0x11 (no EOI register), so ACME sets KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST.
describeVmm(
  {
    name: 'acme-ioapic',
    description: "ACME's userspace I/O APIC 0x11; sets DISABLE before creating vCPUs",
    ioapicVersion: 0x11,
  },
  { policies: ['disable'], seed: 20261125, numRuns: 150 },
);
