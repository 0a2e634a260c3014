import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default', './tests/helpers/slowest-files-reporter.ts'],
    // Browser pages fetch and re-render: give polled expectations time on a busy 2-core machine.
    expect: { poll: { timeout: 10_000 } },
  },
});
