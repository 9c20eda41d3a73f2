import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricDeadLetters } from '../../../api/dashboard/dead-letter-counts.js';
import { metricValues, sumBy } from '../../../api/dashboard/metric-values.js';
import { pipelineStatus } from '../../../api/dashboard/pipeline-status.js';
import { RateHistory } from '../../../api/dashboard/rate-history.js';
import { HealthRegistry } from '../../../lib/health.js';
import type { FeatureReader } from '../../../sinks/redis/reader.js';

/** A registry with the metrics the processors and the sink register, under their real names. */
function pipelineRegistry() {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    processed: new Counter({
      name: 'recostream_events_processed_total',
      help: 'h',
      labelNames: ['processor', 'version'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'recostream_dead_letters_total',
      help: 'h',
      labelNames: ['processor', 'version', 'reason'],
      registers,
    }),
    sinkDeadLetters: new Counter({
      name: 'recostream_clickhouse_sink_dead_letters_total',
      help: 'h',
      labelNames: ['reason'],
      registers,
    }),
    lag: new Gauge({
      name: 'recostream_consumer_lag',
      help: 'h',
      labelNames: ['processor', 'version', 'topic', 'partition'],
      registers,
    }),
    clock: new Gauge({ name: 'recostream_pipeline_clock_ms', help: 'h', labelNames: ['version'], registers }),
    freshness: new Gauge({
      name: 'recostream_freshness_seconds',
      help: 'h',
      labelNames: ['processor', 'version'],
      registers,
    }),
  };
}

const features = (version: string | null, clock: number | null): FeatureReader =>
  ({ resolveVersion: async () => ({ version, clock }) }) as unknown as FeatureReader;

describe('metric values', () => {
  it('reads a metric by name, empty when this process did not register it', async () => {
    const m = pipelineRegistry();
    m.processed.inc({ processor: 'user-features', version: 'v1' }, 3);
    m.processed.inc({ processor: 'user-features', version: 'v2' }, 4);
    m.processed.inc({ processor: 'item-features', version: 'v1' }, 5);
    const values = await metricValues(m.registry, 'recostream_events_processed_total');
    expect(sumBy(values, 'processor')).toEqual({ 'user-features': 7, 'item-features': 5 });
    expect(await metricValues(m.registry, 'recostream_not_there')).toEqual([]);
  });
});

describe('dead letters from the counters', () => {
  it('groups the processors’ and the sink’s counters by origin and reason, largest first', async () => {
    const m = pipelineRegistry();
    m.deadLetters.inc({ processor: 'user-features', version: 'v1', reason: 'undecodable' }, 2);
    m.deadLetters.inc({ processor: 'user-features', version: 'v2', reason: 'undecodable' }, 1);
    m.sinkDeadLetters.inc({ reason: 'bad_row' }, 5);
    expect(await metricDeadLetters(m.registry)).toEqual({
      from: 'metrics',
      total: 8,
      reasons: [
        { origin: 'sink:clickhouse', reason: 'bad_row', example: 'bad_row', count: 5 },
        { origin: 'processor:user-features', reason: 'undecodable', example: 'undecodable', count: 3 },
      ],
    });
  });

  it('answers no dead letters when no part counts any', async () => {
    expect(await metricDeadLetters(new Registry())).toEqual({ from: 'metrics', total: 0, reasons: [] });
  });
});

describe('pipelineStatus', () => {
  it('reports the active clock, per-partition lag in partition order, freshness and health', async () => {
    const m = pipelineRegistry();
    for (const partition of ['10', '2', '0'])
      m.lag.set(
        { processor: 'user-features', version: 'v1', topic: 'interactions', partition },
        Number(partition),
      );
    m.clock.set({ version: 'v1' }, 1_700_000_000_000);
    m.freshness.set({ processor: 'user-features', version: 'v1' }, 4.5);
    const health = new HealthRegistry(() => 42);
    health.report('processor:user-features', false, 'redis down');
    const history = new RateHistory(5);
    history.push({ t: 9, in: 1, processed: { 'user-features': 2 } });

    const status = await pipelineStatus({
      metrics: m.registry,
      features: features('v1', 1_700_000_000_500),
      health,
      history,
      now: () => 1_700_000_001_000,
    });
    expect(status).toEqual({
      now: 1_700_000_001_000,
      active_version: 'v1',
      pipeline_clock: 1_700_000_000_500,
      clocks: [{ version: 'v1', clock: 1_700_000_000_000 }],
      freshness: [{ processor: 'user-features', version: 'v1', seconds: 4.5 }],
      lag: ['0', '2', '10'].map((partition) => ({
        processor: 'user-features',
        version: 'v1',
        topic: 'interactions',
        partition,
        lag: Number(partition),
      })),
      sink_lag: [],
      rates: { t: 9, in: 1, processed: { 'user-features': 2 } },
      components: [{ name: 'processor:user-features', healthy: false, reason: 'redis down' }],
    });
  });
});
