import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/logger.js';
import type { ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import { readPurchasedItems } from '../../sinks/redis/indexes.js';
import type { PurchaseHistory } from './types.js';

/**
 * Purchases from the active version's purchase index in Redis (the user processor adds to it in
 * the transaction that applies the purchase, so it is as current as the features). A version
 * written before the index existed has none: its purchases come from `fallback` (ClickHouse, when
 * the API has it) until the version is reprocessed, as they do while no version is active. While Redis is unreachable nothing is
 * excluded and the recommendation is still served, as with ClickHouse before.
 */
export function redisPurchases(
  redis: Redis,
  logger: Logger,
  fallback: PurchaseHistory | null,
): PurchaseHistory {
  let warnedFor: string | null = null;
  return {
    async purchasedItems(userId) {
      if (redis.status !== 'ready') {
        logger.debug({ userId, status: redis.status }, 'purchase index unreachable; nothing excluded');
        return new Set<string>();
      }
      const read = await readPurchasedItems(redis, userId);
      if (read.indexed) return new Set(read.items);
      // No active version yet (no processor has run): Redis knows nothing, ClickHouse may.
      if (read.version !== null && warnedFor !== read.version) {
        warnedFor = read.version;
        logger.warn(
          { version: read.version },
          `feature version ${read.version} was written before the purchase index existed: ` +
            (fallback ? 'purchases come from ClickHouse' : 'purchases are not excluded') +
            ' until it is reprocessed (recostream reprocess --version <new> --switch)',
        );
      }
      return fallback ? fallback.purchasedItems(userId) : new Set(read.items);
    },
  };
}

/** A ClickHouse string literal: backslashes and quotes escaped. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Purchases from ClickHouse's `interactions` table (ordered by user_id, so one user's rows are one range
 * read). What the ClickHouse sink has not written yet is not excluded; when ClickHouse is
 * unreachable nothing is, and the recommendation is still served.
 */
export function clickhousePurchases(ch: ReadOnlyClickHouse, logger: Logger): PurchaseHistory {
  return {
    async purchasedItems(userId) {
      try {
        const rows = await ch.withClient(async (client) => {
          const rs = await client.query({
            query:
              `SELECT DISTINCT item_id FROM recostream.interactions ` +
              `WHERE user_id = ${sqlString(userId)} AND event_type = 'purchase'`,
            format: 'JSONCompact',
            clickhouse_settings: { max_result_rows: '100000', readonly: '1' },
          });
          return (await rs.json<[string]>()).data;
        });
        return new Set(rows.map((r) => r[0]));
      } catch (err) {
        logger.debug({ err, userId }, 'purchase history unavailable; nothing excluded');
        return new Set<string>();
      }
    },
  };
}
