import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram, metricsRegistry } from '../lib/metrics.js';

/**
 * The trainer's Prometheus metrics, in the process's shared registry by default: the API's
 * /metrics serves them inside `recostream up`, `recostream trainer --health-port` on its own.
 * Creating them twice (a trainer restarted in the same process, tests) returns the existing ones.
 */
export interface TrainerMetrics {
  runsStarted: Counter<'trigger'>;
  runsSucceeded: Counter<'trigger'>;
  /** `phase`: `snapshot` (its inputs could not be read) or `train` (anything after). */
  runsFailed: Counter<'trigger' | 'phase'>;
  runDuration: Histogram<'status'>;
  runInProgress: Gauge;
  changedEntities: Gauge<'version'>;
  lastRunTimestamp: Gauge<'status'>;
  healthy: Gauge;
}

export function trainerMetrics(registry: Registry = metricsRegistry): TrainerMetrics {
  return {
    runsStarted: counter(registry, {
      name: 'recostream_trainer_runs_started_total',
      help: 'Training runs started, per trigger (changed_entities, max_interval, manual)',
      labelNames: ['trigger'] as const,
    }),
    runsSucceeded: counter(registry, {
      name: 'recostream_trainer_runs_succeeded_total',
      help: 'Training runs that succeeded (promoted or not), per trigger',
      labelNames: ['trigger'] as const,
    }),
    runsFailed: counter(registry, {
      name: 'recostream_trainer_runs_failed_total',
      help:
        'Training runs that failed, per trigger and phase: snapshot (its inputs could not be read: ' +
        'Kafka, schema registry, the ClickHouse sink, ClickHouse) or train (after the snapshot)',
      labelNames: ['trigger', 'phase'] as const,
    }),
    runDuration: histogram(registry, {
      name: 'recostream_trainer_run_duration_seconds',
      help: 'Wall time of a training run from start to its final record, per status',
      labelNames: ['status'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
    }),
    runInProgress: gauge(registry, {
      name: 'recostream_trainer_run_in_progress',
      help: '1 while a training run is in progress',
    }),
    changedEntities: gauge(registry, {
      name: 'recostream_trainer_changed_entities',
      help: 'Users + items whose features changed since the last successful run (what the policy counts)',
      labelNames: ['version'] as const,
    }),
    lastRunTimestamp: gauge(registry, {
      name: 'recostream_trainer_last_run_timestamp_seconds',
      help: 'When the newest run of each final status (succeeded, failed) finished, epoch seconds',
      labelNames: ['status'] as const,
    }),
    healthy: gauge(registry, {
      name: 'recostream_trainer_healthy',
      help: '1 while the trainer can train (what its /health answers 200 for), 0 while not',
    }),
  };
}
