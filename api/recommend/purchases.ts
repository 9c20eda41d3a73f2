import type { Logger } from '../../lib/logger.js';
import type { ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import type { PurchaseHistory } from './types.js';

/** A ClickHouse string literal: backslashes and quotes escaped. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Purchases from the `interactions` table (ordered by user_id, so one user's rows are one range
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

export const noPurchaseHistory: PurchaseHistory = {
  purchasedItems: () => Promise.resolve(new Set<string>()),
};
