import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks',
    // Two files at a time even on two cores (Vitest's default there is one): most suites wait on servers,
    // browsers, brokers and child processes rather than compute, so the suite takes far less wall time.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default', './tests/helpers/slowest-files-reporter.ts'],
    // Browser pages fetch and re-render: give polled expectations time on a busy 2-core machine.
    expect: { poll: { timeout: 10_000 } },
  },
});
