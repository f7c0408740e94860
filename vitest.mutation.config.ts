import { defineConfig } from 'vitest/config';

// The suites Stryker runs against each mutant: the unit suites of the machines, the model, the invariants and the
// explorer's parts, with fast-check's seed pinned so kills never depend on chance. Left out: the CLI end-to-end
// suites, the real-kernel suites, the campaign, report, advice and exhaustive-search suites, which drive the same code for
// seconds per run, and the suites that spawn a C compiler or a second vitest.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      'test/cli/**',
      'test/kvm/**',
      'test/fuzz/campaign.test.ts',
      'test/fuzz/rowRecord.test.ts',
      'test/report/**',
      'test/export/standaloneRepro.test.ts',
      'test/library/describeVmm.test.ts',
      'test/explore/explore.test.ts',
      'test/advise/**',
    ],
    setupFiles: ['test/pinnedSeed.ts'],
    isolate: false,
    testTimeout: 60_000,
  },
});
