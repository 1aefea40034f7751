import { defineConfig } from 'vitest/config';

// Tests run in worker threads (cheaper than forks on 2 cores); property tests print their
// seed on failure through fast-check's own report. Files share each worker's module cache
// (`isolate: false`): importing the models and the simulation once per worker instead of once
// per file took the suite's import time from about 136 s to a few seconds. No test keeps state
// in a module (ids are explicit, seeds are passed in), which is what sharing needs.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Long explorations and sweeps run with `npm run test:deep` (vitest.deep.config.ts).
    exclude: ['test/**/*.deep.test.ts', 'node_modules/**'],
    pool: 'threads',
    isolate: false,
    testTimeout: 60_000,
    reporters: ['default'],
  },
});
