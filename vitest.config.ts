import { defineConfig } from 'vitest/config';

// Two cores: at most two test files at once; each integration file brings its own worker and task queue,
// each browser file one Chromium. `npx vitest run test/browser` runs the panel's tests alone.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-runtime.ts'],
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
