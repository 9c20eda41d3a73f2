import type { ClickHouseClient } from '@clickhouse/client';
import type { SinkMetrics } from './metrics.js';
import { qualified, type TableName } from './tables.js';

/**
 * One batched INSERT per table, in JSONEachRow (see docs/ARCHITECTURE.md "ClickHouse sink" for
 * why this format). No per-insert settings on purpose: with chDB, settings sent with a query are
 * applied with SET and stay on the session for every later statement.
 */
export class TableWriter {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly metrics?: SinkMetrics,
  ) {}

  async insert(table: TableName, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    const stop = this.metrics?.insertSeconds.startTimer({ table });
    try {
      await this.client.insert({ table: qualified(table), values: rows as object[], format: 'JSONEachRow' });
    } catch (err) {
      this.metrics?.insertBatches.inc({ table, outcome: 'error' });
      throw err;
    }
    stop?.();
    this.metrics?.insertBatches.inc({ table, outcome: 'ok' });
    this.metrics?.rowsInserted.inc({ table }, rows.length);
  }
}
