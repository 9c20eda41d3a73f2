import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';

/** What `process` and `reprocess` share: the Redis they must be given, and a clean stop on signals. */

export function requireRedisUrl(config: Config, command: string): string {
  if (config.redisUrl) return config.redisUrl;
  throw new Error(
    `REDIS_URL is not set: \`recostream ${command}\` uses the feature store in a Redis it does not start itself ` +
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

/** How long a stop may take before the process exits anyway. */
export const STOP_TIMEOUT_MS = 30_000;

/**
 * Runs `stop` and ends the process. kafkajs can leave a connection open after the broker was
 * restarted under it, which kept `recostream process` alive after a clean stop; a stop that cannot
 * finish (a broker gone for good) must not hang the process either, nor must a second signal be
 * ignored. Exiting loses nothing: feature state and input offsets are written together, and what
 * was in flight is redone by whichever process takes the partitions next.
 */
export async function stopAndExit(stop: () => Promise<void>, logger: Logger): Promise<never> {
  const exit = (code: number): never => {
    logger.flush();
    process.exit(code);
  };
  const again = (signal: NodeJS.Signals) => {
    logger.warn({ signal }, 'second signal: exiting now');
    exit(130);
  };
  process.once('SIGINT', again);
  process.once('SIGTERM', again);
  setTimeout(() => {
    logger.error({ timeoutMs: STOP_TIMEOUT_MS }, 'did not stop in time; exiting');
    exit(1);
  }, STOP_TIMEOUT_MS).unref();
  await stop();
  logger.info('stopped');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  process.exit(0);
}
