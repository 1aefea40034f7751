import { defineConfig } from 'vitest/config';

// Tests run in worker threads (cheaper than forks on 2 cores); property tests print their
// seed on failure through fast-check's own report.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Long explorations and sweeps run with `npm run test:deep` (vitest.deep.config.ts).
    exclude: ['test/**/*.deep.test.ts', 'node_modules/**'],
    pool: 'threads',
    testTimeout: 60_000,
    reporters: ['default'],
  },
});
