import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { BaseSequencer, type TestSpecification, type Vitest } from 'vitest/node';

/** How a test file stands for the mutant about to run: its kills of this source file's mutants, its duration. */
export interface FileRecord {
  /** Mutants of the mutated source file this test file killed earlier in the run. */
  kills: number;
  /** Its longest whole run seen, in ms; infinite when never seen whole. */
  duration: number;
}

/** The files that killed this source file's mutants most often first, then the quickest first. */
export function mutationOrder<F>(files: readonly F[], recordOf: (file: F) => FileRecord): F[] {
  const records = new Map(files.map((file) => [file, recordOf(file)]));
  const get = (file: F) => records.get(file) as FileRecord;
  return [...files].sort((a, b) => get(b).kills - get(a).kills || get(a).duration - get(b).duration);
}

/** Per mutated source file (the one Stryker names in vitest's `related`), kills per test file. */
const killsBySource = new Map<string, Map<string, number>>();

function mutatedSource(vitest: Vitest): string | undefined {
  return vitest.config.related?.[0];
}

/**
 * Records which test file killed each mutant: Stryker stops a mutant's run at its first failing test, so the run's
 * failed file is the killer. A runner's mutants of one source file run one after another, so what kills the first
 * ones orders the suites for the rest.
 */
export class KillRecorder implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestModuleEnd(testModule: TestModule): void {
    const source = this.vitest === undefined ? undefined : mutatedSource(this.vitest);
    if (source === undefined || testModule.state() !== 'failed') return;
    const kills = killsBySource.get(source) ?? new Map<string, number>();
    kills.set(testModule.moduleId, (kills.get(testModule.moduleId) ?? 0) + 1);
    killsBySource.set(source, kills);
  }
}

/**
 * Stryker stops a mutant's run at its first failing test, so the order of the suites decides the cost of a kill.
 * A static mutant (one reached while modules load) runs every suite related to its file: quickest first, those of
 * machines/vm.ts ran a median of 63 tests before the kill; with the suites that killed this file's earlier mutants
 * first, 6. Among the rest, quickest first by the longest duration this process saw (vitest's cache records 0 for
 * the files a run cut short, which would put the slowest first after every kill), a file never seen whole last.
 */
export class KillersFirst extends BaseSequencer {
  private readonly longest = new Map<string, number>();

  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const source = mutatedSource(this.ctx);
    const kills = source === undefined ? undefined : killsBySource.get(source);
    return mutationOrder(files, (file) => ({
      kills: kills?.get(file.moduleId) ?? 0,
      duration: this.longestDuration(file),
    }));
  }

  private longestDuration(file: TestSpecification): number {
    const key = `${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`;
    const seen = Math.max(this.ctx.cache.getFileTestResults(key)?.duration ?? 0, this.longest.get(key) ?? 0);
    this.longest.set(key, seen);
    return seen === 0 ? Number.POSITIVE_INFINITY : seen;
  }
}
