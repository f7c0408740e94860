import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { ColdKernelsLast } from './test/coldKernelsLast.js';

/** `seoib` and `seoib/vitest` resolve to the sources, so examples/ runs as a VMM project would run it. */
export const selfAlias = [
  { find: /^seoib\/vitest$/, replacement: fileURLToPath(new URL('src/vitest.ts', import.meta.url)) },
  { find: /^seoib$/, replacement: fileURLToPath(new URL('src/index.ts', import.meta.url)) },
];

export default defineConfig({
  resolve: { alias: selfAlias },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    // Vitest's default leaves a core to itself (one worker on 2 cores); its own process does little meanwhile.
    maxWorkers: Math.max(2, availableParallelism()),
    sequence: { sequencer: ColdKernelsLast },
    testTimeout: 60_000,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
