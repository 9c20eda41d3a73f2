import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/**
 * The process's Prometheus registry, shared by every part (the API serves it at /metrics) and the
 * processors' metrics. Labels: `processor` (user-features, item-features) and `version`.
 */
export const metricsRegistry = new Registry();

/*
 * A metric of `registry` by its name, created on first use: a part started twice in one process
 * (tests, `up` restarting it) must not register the same name again, which prom-client refuses.
 * One function per kind keeps the label names in the type (Counter<'table'>, not Counter<string>).
 */
type Unregistered<C> = Omit<C, 'registers'>;

export function counter<L extends string>(
  registry: Registry,
  config: Unregistered<CounterConfiguration<L>>,
): Counter<L> {
  const existing = registry.getSingleMetric(config.name) as Counter<L> | undefined;
  return existing ?? new Counter({ ...config, registers: [registry] });
}

export function gauge<L extends string>(
  registry: Registry,
  config: Unregistered<GaugeConfiguration<L>>,
): Gauge<L> {
  const existing = registry.getSingleMetric(config.name) as Gauge<L> | undefined;
  return existing ?? new Gauge({ ...config, registers: [registry] });
}

export function histogram<L extends string>(
  registry: Registry,
  config: Unregistered<HistogramConfiguration<L>>,
): Histogram<L> {
  const existing = registry.getSingleMetric(config.name) as Histogram<L> | undefined;
  return existing ?? new Histogram({ ...config, registers: [registry] });
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
