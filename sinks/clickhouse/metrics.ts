import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram, metricsRegistry } from '../../lib/metrics.js';

/**
 * The sink's Prometheus metrics. They live in the process's shared registry (lib/metrics.ts) by
 * default, which the API's /metrics serves when the sink runs inside `recostream up`. Creating
 * them twice (a sink restarted in the same process, tests) returns the existing ones.
 */
export interface SinkMetrics {
  rowsInserted: Counter<'table'>;
  insertBatches: Counter<'table' | 'outcome'>;
  insertSeconds: Histogram<'table'>;
  flushes: Counter<'outcome'>;
  deadLetters: Counter<'reason'>;
  lag: Gauge<'topic' | 'partition'>;
  pendingRows: Gauge;
  healthy: Gauge;
}

export function sinkMetrics(registry: Registry = metricsRegistry): SinkMetrics {
  return {
    rowsInserted: counter(registry, {
      name: 'recostream_clickhouse_sink_rows_inserted_total',
      help: 'Rows inserted into ClickHouse by the sink, per table',
      labelNames: ['table'] as const,
    }),
    insertBatches: counter(registry, {
      name: 'recostream_clickhouse_sink_insert_batches_total',
      help: 'INSERT statements sent by the sink, per table and outcome (ok, error)',
      labelNames: ['table', 'outcome'] as const,
    }),
    insertSeconds: histogram(registry, {
      name: 'recostream_clickhouse_sink_insert_duration_seconds',
      help: 'Latency of one batched INSERT, per table',
      labelNames: ['table'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    flushes: counter(registry, {
      name: 'recostream_clickhouse_sink_flushes_total',
      help: 'Flushes of the buffered batch (inserts into every table, then the offset commit), per outcome',
      labelNames: ['outcome'] as const,
    }),
    deadLetters: counter(registry, {
      name: 'recostream_clickhouse_sink_dead_letters_total',
      help: 'Messages the sink could not store and dead-lettered, per reason',
      labelNames: ['reason'] as const,
    }),
    lag: gauge(registry, {
      name: 'recostream_clickhouse_sink_lag',
      help: 'Records between the sink and the log end, per topic partition (as of the last fetch)',
      labelNames: ['topic', 'partition'] as const,
    }),
    pendingRows: gauge(registry, {
      name: 'recostream_clickhouse_sink_pending_rows',
      help: 'Rows buffered by the sink and not yet in ClickHouse',
    }),
    healthy: gauge(registry, {
      name: 'recostream_clickhouse_sink_healthy',
      help: '1 while the sink writes to ClickHouse normally, 0 while it is retrying after a failure',
    }),
  };
}
