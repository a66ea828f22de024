import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.test-results.json' }]],
    pool: 'forks',
    // Two files at a time. Vitest's default on a 2-core machine is one (cores − 1), but most
    // end-to-end files spend their time waiting on child processes, simulators and timers,
    // so two side by side keep both cores busy; the slowest files start first (sequence).
    maxWorkers: 2,
  },
});
