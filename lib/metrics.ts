import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus registry, shared by every part (the API serves it at /metrics) and the
 * processors' metrics. Labels: `processor` (user-features, item-features) and `version`.
 */
export const metricsRegistry = new Registry();

/**
 * The metric registered under `name`, else a new one from `create`: a part started twice in one
 * process (tests, `up` restarting it) must not register the same name again, which prom-client refuses.
 */
export function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

const processorLabels = ['processor', 'version'] as const;

export const processorMetrics = {
  eventsProcessed: new Counter({
    name: 'recostream_events_processed_total',
    help: 'Events applied to feature state (duplicates and skipped offsets excluded)',
    labelNames: processorLabels,
    registers: [metricsRegistry],
  }),
  duplicatesSkipped: new Counter({
    name: 'recostream_duplicate_events_skipped_total',
    help: 'Events skipped because their event_id was already applied within the dedupe horizon',
    labelNames: processorLabels,
    registers: [metricsRegistry],
  }),
  batches: new Counter({
    name: 'recostream_batches_total',
    help: 'Batches applied (state and offset written in one transaction)',
    labelNames: processorLabels,
    registers: [metricsRegistry],
  }),
  batchRetries: new Counter({
    name: 'recostream_batch_retries_total',
    help: 'Batch attempts retried (dependency unreachable, or the partition offset moved under the batch)',
    labelNames: [...processorLabels, 'cause'],
    registers: [metricsRegistry],
  }),
  batchDuration: new Histogram({
    name: 'recostream_batch_duration_seconds',
    help: 'Wall time from receiving a batch to its state transaction, retries included',
    labelNames: processorLabels,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metricsRegistry],
  }),
  deadLetters: new Counter({
    name: 'recostream_dead_letters_total',
    help: 'Input records sent to the dead-letters topic',
    labelNames: [...processorLabels, 'reason'],
    registers: [metricsRegistry],
  }),
  lag: new Gauge({
    name: 'recostream_consumer_lag',
    help: 'Records behind the partition end (high watermark) after the last batch',
    labelNames: [...processorLabels, 'topic', 'partition'],
    registers: [metricsRegistry],
  }),
  pipelineClock: new Gauge({
    name: 'recostream_pipeline_clock_ms',
    help: 'Pipeline clock (largest event_time seen, epoch ms) as of the last batch',
    labelNames: ['version'],
    registers: [metricsRegistry],
  }),
  freshness: new Gauge({
    name: 'recostream_freshness_seconds',
    help: 'Wall time minus the event_time of the last applied event',
    labelNames: processorLabels,
    registers: [metricsRegistry],
  }),
};
