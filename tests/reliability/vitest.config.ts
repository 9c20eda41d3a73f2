import path from 'node:path';
import { defineConfig } from 'vitest/config';

// `npm run test:reliability`: the whole reliability suite (crash faults, disk faults, load, bad
// input, security), one file at a time in one fork like the integration project — these files
// start brokers, redis-servers and processors and measure throughput. Its fast files
// (`*.fast.test.ts`) also run in the default `npm test` (integration project).
export default defineConfig({
  root: path.resolve(import.meta.dirname, '..', '..'),
  test: {
    name: 'reliability',
    include: ['tests/reliability/**/*.test.ts'],
    environment: 'node',
    testTimeout: 900_000,
    hookTimeout: 300_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: true, isolate: true } },
  },
});
