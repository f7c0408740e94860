import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Stryker stops a mutant's run at its first failing test, so the order of the suites decides the cost of a kill:
 * quickest first (by their last duration), so a mutant one quick suite kills never waits for the property suites.
 * A run cut short records 0 (or a part) for the files it skipped, and vitest's cache keeps that; so the order uses
 * each file's longest duration seen by this process, and puts a file never seen whole last. Otherwise after one
 * kill the slowest suites, skipped, sort first for the next mutant (a killed static mutant then took 20 s, not 4 s).
 */
class QuickestFirst extends BaseSequencer {
  private readonly longest = new Map<string, number>();

  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const durations = new Map(
      files.map((file) => {
        const key = `${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`;
        const seen = Math.max(
          this.ctx.cache.getFileTestResults(key)?.duration ?? 0,
          this.longest.get(key) ?? 0,
        );
        this.longest.set(key, seen);
        return [file, seen === 0 ? Number.POSITIVE_INFINITY : seen];
      }),
    );
    return [...files].sort((a, b) => (durations.get(a) as number) - (durations.get(b) as number));
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
