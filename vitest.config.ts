import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests run in worker threads (cheaper than forks on 2 cores); property tests print their
// seed on failure through fast-check's own report. Files share each worker's module cache
// (`isolate: false`): the models and the simulation are imported once per worker instead of
// once per file. No test keeps state in a module (ids are explicit, seeds are passed in), which
// is what sharing needs. With both, the suite takes about 4.5 minutes on two cores, not 7–9.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Long explorations and sweeps run with `npm run test:deep` (vitest.deep.config.ts); the
    // Chromium tests with `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['test/**/*.deep.test.ts', 'test/**/*.browser.test.ts', 'node_modules/**'],
    pool: 'threads',
    // One worker per core: vitest's default outside watch mode is one fewer, which on two cores
    // ran the whole suite in a single worker.
    maxWorkers: availableParallelism(),
    isolate: false,
    testTimeout: 60_000,
    reporters: ['default'],
  },
});
