import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the HTML report (and later the viewer) opened in a real Chromium
// (Debian's `chromium`, driven by playwright-core). Kept out of `npm test`, which needs no
// browser; `.ci/run` installs Chromium and runs these. Screenshots go to artifacts/screenshots/.
export default defineConfig({
  test: {
    include: ['test/**/*.browser.test.ts'],
    pool: 'threads',
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
