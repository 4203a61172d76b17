import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Suites that share the real Redis/PostgreSQL servers use unique key prefixes,
    // so files may run in parallel; two workers match CI's two cores.
    maxWorkers: 2,
  },
});
