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
