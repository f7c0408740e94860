import { describe, expect, it } from 'vitest';
import type { TestModule, TestSpecification, Vitest } from 'vitest/node';
import { type FileRecord, KillersFirst, KillRecorder, mutationOrder } from './mutationOrder.js';

describe('mutationOrder', () => {
  const order = (records: Record<string, FileRecord>) =>
    mutationOrder(Object.keys(records), (file) => records[file] as FileRecord);

  it('puts the quickest suites first when none has killed a mutant of the file', () => {
    expect(order({ slow: { kills: 0, duration: 900 }, quick: { kills: 0, duration: 20 } })).toEqual([
      'quick',
      'slow',
    ]);
  });

  it('puts a suite that killed more of the file’s mutants before a quicker one', () => {
    expect(
      order({
        quick: { kills: 0, duration: 20 },
        killer: { kills: 1, duration: 900 },
        bestKiller: { kills: 5, duration: 4000 },
      }),
    ).toEqual(['bestKiller', 'killer', 'quick']);
  });

  it('puts a suite never seen whole after every measured one', () => {
    expect(
      order({ unseen: { kills: 0, duration: Number.POSITIVE_INFINITY }, slow: { kills: 0, duration: 9000 } }),
    ).toEqual(['slow', 'unseen']);
  });
});

describe('KillersFirst with KillRecorder: the suites of a runner’s vitest', () => {
  /** A test file as the sequencer sees it, and its key in vitest's cache (project name, path from the root). */
  const suite = (name: string, duration: number) => ({
    moduleId: `/sandbox/test/${name}.test.ts`,
    project: { name: '' },
    cacheKey: `:test/${name}.test.ts`,
    duration,
  });
  const quick = suite('quick', 10);
  const killer = suite('killer', 500);
  const durations = new Map([quick, killer].map((s) => [s.cacheKey, s.duration]));
  const vitest = {
    config: { root: '/sandbox', related: undefined as string[] | undefined },
    cache: { getFileTestResults: (key: string) => ({ duration: durations.get(key) ?? 0 }) },
  };
  const ctx = vitest as unknown as Vitest;
  const specs = [killer, quick] as unknown as TestSpecification[];
  const sequencer = new KillersFirst(ctx);
  const recorder = new KillRecorder();
  recorder.onInit(ctx);
  const ended = (spec: { moduleId: string }, state: string) =>
    recorder.onTestModuleEnd({ moduleId: spec.moduleId, state: () => state } as unknown as TestModule);
  const sorted = async () => (await sequencer.sort(specs)).map((spec) => spec.moduleId);

  it('learns a source file’s killer from its failed suite and runs it first for that file only', async () => {
    vitest.config.related = ['/sandbox/machines/vm.ts'];
    expect(await sorted()).toEqual([quick.moduleId, killer.moduleId]);
    ended(quick, 'passed');
    ended(killer, 'failed');
    expect(await sorted()).toEqual([killer.moduleId, quick.moduleId]);
    vitest.config.related = ['/sandbox/machines/lapic.ts'];
    expect(await sorted()).toEqual([quick.moduleId, killer.moduleId]);
  });

  it('records nothing in the dry run, which names no mutated file', async () => {
    vitest.config.related = undefined;
    ended(killer, 'failed');
    vitest.config.related = ['/sandbox/machines/ioapicPin.ts'];
    expect(await sorted()).toEqual([quick.moduleId, killer.moduleId]);
  });
});
