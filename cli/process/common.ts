import type { Config } from '../../lib/config.js';

/** What `process` and `reprocess` share: the Redis they must be given, and a clean stop on signals. */

export function requireRedisUrl(config: Config, command: string): string {
  if (config.redisUrl) return config.redisUrl;
  throw new Error(
    `REDIS_URL is not set: \`recostream ${command}\` writes feature state to a Redis it does not start itself ` +
      '(`recostream up` runs an embedded redis-server; otherwise set REDIS_URL=redis://host:port)',
  );
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`must be a whole number of at least 1 (got ${value})`);
  return n;
}
