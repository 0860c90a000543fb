import { defineConfig } from 'vitest/config';

// The operator panel's tests: browser end-to-end against a real Kami (test/browser/*.test.ts) and the
// panel's node-side unit tests. Same global setup as the main suite (one Temporal dev server, one fresh
// database); each browser file launches one Chromium, so two files at once is the most 2 cores take.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-runtime.ts'],
    include: ['test/browser/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
