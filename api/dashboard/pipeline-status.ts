import type { Registry } from 'prom-client';
import type { HealthRegistry } from '../../lib/health.js';
import type { FeatureReader } from '../../sinks/redis/reader.js';
import { metricValues } from './metric-values.js';
import type { RateHistory, RateSample } from './rate-history.js';

/**
 * The pipeline at this moment, from the process's own metrics (processors and sink report there
 * when they run in this process, as in `recostream up`) and the active version's clock in Redis
 * (which every process can read).
 */
export interface PipelineStatus {
  now: number;
  /** The version readers use now, and its pipeline clock (largest event_time applied). */
  active_version: string | null;
  pipeline_clock: number | null;
  /** Per version, the clock the processors of this process last reported. */
  clocks: { version: string; clock: number }[];
  /** Wall time minus the event_time of the last applied event, as of each processor's last batch. */
  freshness: { processor: string; version: string; seconds: number }[];
  lag: { processor: string; version: string; topic: string; partition: string; lag: number }[];
  sink_lag: { topic: string; partition: string; lag: number }[];
  /** The latest per-second rates (null before the second sample). */
  rates: RateSample | null;
  components: { name: string; healthy: boolean; reason: string | null }[];
}

export interface PipelineStatusSources {
  metrics: Registry;
  features: FeatureReader;
  health: HealthRegistry;
  history: RateHistory;
  now?: () => number;
}

const byNumericPartition = (a: { partition: string }, b: { partition: string }) =>
  Number(a.partition) - Number(b.partition);

export async function pipelineStatus(sources: PipelineStatusSources): Promise<PipelineStatus> {
  const [active, clocks, freshness, lag, sinkLag] = await Promise.all([
    sources.features.resolveVersion().catch(() => ({ version: null, clock: null })),
    metricValues(sources.metrics, 'recostream_pipeline_clock_ms'),
    metricValues(sources.metrics, 'recostream_freshness_seconds'),
    metricValues(sources.metrics, 'recostream_consumer_lag'),
    metricValues(sources.metrics, 'recostream_clickhouse_sink_lag'),
  ]);
  const label = (v: { labels: Record<string, string> }, name: string) => v.labels[name] ?? '';
  return {
    now: (sources.now ?? Date.now)(),
    active_version: active.version,
    pipeline_clock: active.clock,
    clocks: clocks
      .map((v) => ({ version: label(v, 'version'), clock: v.value }))
      .sort((a, b) => a.version.localeCompare(b.version)),
    freshness: freshness
      .map((v) => ({ processor: label(v, 'processor'), version: label(v, 'version'), seconds: v.value }))
      .sort((a, b) => a.processor.localeCompare(b.processor) || a.version.localeCompare(b.version)),
    lag: lag
      .map((v) => ({
        processor: label(v, 'processor'),
        version: label(v, 'version'),
        topic: label(v, 'topic'),
        partition: label(v, 'partition'),
        lag: v.value,
      }))
      .sort(
        (a, b) =>
          a.processor.localeCompare(b.processor) ||
          a.version.localeCompare(b.version) ||
          a.topic.localeCompare(b.topic) ||
          byNumericPartition(a, b),
      ),
    sink_lag: sinkLag
      .map((v) => ({ topic: label(v, 'topic'), partition: label(v, 'partition'), lag: v.value }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || byNumericPartition(a, b)),
    rates: sources.history.latest() ?? null,
    components: sources.health
      .status()
      .components.map((c) => ({ name: c.name, healthy: c.healthy, reason: c.reason })),
  };
}
