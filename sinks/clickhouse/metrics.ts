import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { getOrCreate, metricsRegistry } from '../../lib/metrics.js';

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
  const registers = [registry];
  return {
    rowsInserted: getOrCreate(
      registry,
      'recostream_clickhouse_sink_rows_inserted_total',
      () =>
        new Counter({
          name: 'recostream_clickhouse_sink_rows_inserted_total',
          help: 'Rows inserted into ClickHouse by the sink, per table',
          labelNames: ['table'] as const,
          registers,
        }),
    ),
    insertBatches: getOrCreate(
      registry,
      'recostream_clickhouse_sink_insert_batches_total',
      () =>
        new Counter({
          name: 'recostream_clickhouse_sink_insert_batches_total',
          help: 'INSERT statements sent by the sink, per table and outcome (ok, error)',
          labelNames: ['table', 'outcome'] as const,
          registers,
        }),
    ),
    insertSeconds: getOrCreate(
      registry,
      'recostream_clickhouse_sink_insert_duration_seconds',
      () =>
        new Histogram({
          name: 'recostream_clickhouse_sink_insert_duration_seconds',
          help: 'Latency of one batched INSERT, per table',
          labelNames: ['table'] as const,
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    ),
    flushes: getOrCreate(
      registry,
      'recostream_clickhouse_sink_flushes_total',
      () =>
        new Counter({
          name: 'recostream_clickhouse_sink_flushes_total',
          help: 'Flushes of the buffered batch (inserts into every table, then the offset commit), per outcome',
          labelNames: ['outcome'] as const,
          registers,
        }),
    ),
    deadLetters: getOrCreate(
      registry,
      'recostream_clickhouse_sink_dead_letters_total',
      () =>
        new Counter({
          name: 'recostream_clickhouse_sink_dead_letters_total',
          help: 'Messages the sink could not store and dead-lettered, per reason',
          labelNames: ['reason'] as const,
          registers,
        }),
    ),
    lag: getOrCreate(
      registry,
      'recostream_clickhouse_sink_lag',
      () =>
        new Gauge({
          name: 'recostream_clickhouse_sink_lag',
          help: 'Records between the sink and the log end, per topic partition (as of the last fetch)',
          labelNames: ['topic', 'partition'] as const,
          registers,
        }),
    ),
    pendingRows: getOrCreate(
      registry,
      'recostream_clickhouse_sink_pending_rows',
      () =>
        new Gauge({
          name: 'recostream_clickhouse_sink_pending_rows',
          help: 'Rows buffered by the sink and not yet in ClickHouse',
          registers,
        }),
    ),
    healthy: getOrCreate(
      registry,
      'recostream_clickhouse_sink_healthy',
      () =>
        new Gauge({
          name: 'recostream_clickhouse_sink_healthy',
          help: '1 while the sink writes to ClickHouse normally, 0 while it is retrying after a failure',
          registers,
        }),
    ),
  };
}
