import { defineConfig } from 'vitest/config';
import { KillersFirst, KillRecorder } from './test/mutationOrder.js';

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
      // Exhaustive searches of seconds each, which cover nearly every mutant of the model: explore.test.ts has the
      // explorer's quick ones.
      'test/explore/fixpoints.test.ts',
      'test/explore/agreesWithFuzzer.test.ts',
      'test/bench/**',
      'test/advise/**',
    ],
    setupFiles: ['test/pinnedSeed.ts', 'test/freshMemos.ts'],
    isolate: false,
    sequence: { sequencer: KillersFirst },
    reporters: ['default', new KillRecorder()],
    testTimeout: 60_000,
  },
});
