import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Stryker stops a mutant's run at its first failing test, so the order of the suites decides the cost of a kill:
 * quickest first (by their last duration), so a mutant one quick suite kills never waits for the property suites.
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const key = (file: TestSpecification) =>
      `${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`;
    const duration = (file: TestSpecification) => this.ctx.cache.getFileTestResults(key(file))?.duration ?? 0;
    return [...files].sort((a, b) => duration(a) - duration(b));
  }
}

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
    sequence: { sequencer: QuickestFirst },
    testTimeout: 60_000,
  },
});
