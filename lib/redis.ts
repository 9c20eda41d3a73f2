import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * The one way recostream creates Redis clients. Commands queue while disconnected (so a Redis
 * restart is a pause, not an error storm) and connection problems are logged once per state
 * change rather than per retry.
 */
export function createRedis(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const log = logger.child({ part: 'redis' });
  const client = new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message }, 'redis connection problem; retrying');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info('redis connection restored');
    down = false;
  });
  return client;
}

/** `url` with its password (if any) masked, for messages. */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * A client for a command that does one thing and exits (`features`, `versions`). It connects
 * once: an unreachable Redis is an error naming the URL right away, not retries that a person at
 * a terminal would wait on. Long-running parts use createRedis, which rides out restarts.
 */
export async function connectRedisOnce(url: string, command: string): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 5_000,
    enableAutoPipelining: false,
  });
  // connect() rejects with "Connection is closed."; the socket's own error says why.
  let cause: string | undefined;
  client.on('error', (err: Error) => (cause ??= err.message));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    const reason = cause ?? (err instanceof Error ? err.message : String(err));
    throw new Error(
      `Redis at ${shownUrl(url)} is unreachable (${reason}): \`recostream ${command}\` uses the feature store ` +
        'there. Is `recostream up` (or your redis-server) running, and REDIS_URL right?',
    );
  }
  return client;
}
