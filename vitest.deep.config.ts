import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// `npm run test:deep`: long explorations and sweeps (*.deep.test.ts), and the simulation
// properties at their full run counts (AURORA_DEEP=1; see `propertyRuns` in
// test/simulation/helpers.ts). Kept out of `npm test` so that stays under five minutes on two
// cores; CI runs both.
export default defineConfig({
  test: {
    include: ['test/**/*.deep.test.ts', 'test/simulation/*.prop.test.ts'],
    env: { AURORA_DEEP: '1' },
    pool: 'threads',
    // One worker per core: vitest's default outside watch mode is one fewer, which on two cores
    // ran the whole suite in a single worker.
    maxWorkers: availableParallelism(),
    testTimeout: 3_600_000,
    reporters: ['default'],
  },
});
