import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Stryker stops a mutant's run at its first failing test, so the order of the suites decides the cost of a kill:
 * a suite that failed last time first (it likely kills the next mutant too), then the quickest.
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const key = (file: TestSpecification) =>
      `${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`;
    const failed = (file: TestSpecification) =>
      this.ctx.cache.getFileTestResults(key(file))?.failed ? 0 : 1;
    const duration = (file: TestSpecification) => this.ctx.cache.getFileTestResults(key(file))?.duration ?? 0;
    return [...files].sort((a, b) => failed(a) - failed(b) || duration(a) - duration(b));
  }
}

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
    sequence: { sequencer: QuickestFirst },
    testTimeout: 60_000,
  },
});
