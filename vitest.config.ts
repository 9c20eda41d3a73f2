import { defineConfig } from 'vitest/config';

// Two projects: `unit` (no external processes, fast) and `integration` (real broker over TCP,
// real redis-server, real chDB). `npm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'tests/unit/**/*.test.ts',
            '{schemas,topology,processors,sinks,replay,api,training,embedded,cli,lib}/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'tests/integration/**/*.test.ts',
            'tests/compat/**/*.test.ts',
            'tests/e2e/**/*.test.ts',
            // The fast part of the reliability suite; all of it: npm run test:reliability.
            'tests/reliability/**/*.fast.test.ts',
          ],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration files start real servers; running them one at a time (one fork, each
          // file isolated) keeps a 2-core machine from timing out under load.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true, isolate: true } },
        },
      },
    ],
  },
});
