import { beforeEach } from 'vitest';
import { forgetMemos } from '../machines/memo.js';

// Each test runs the model code its answers come from, so that Stryker's per-test coverage credits it with that
// code and a mutant there runs it (machines/memo.ts).
beforeEach(() => forgetMemos());
