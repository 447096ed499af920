import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Lab servers bind port 0 on loopback, so files can run in parallel on the two cores.
    fileParallelism: true,
    reporters: ['default'],
  },
});
