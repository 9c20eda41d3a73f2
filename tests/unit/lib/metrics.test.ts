import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { counter, gauge, histogram } from '../../../lib/metrics.js';

describe('metrics created on first use', () => {
  it('returns the metric already registered under the name instead of registering it twice', async () => {
    const registry = new Registry();
    const first = counter(registry, { name: 'x_total', help: 'x', labelNames: ['table'] as const });
    first.inc({ table: 'interactions' }, 2);
    const again = counter(registry, { name: 'x_total', help: 'x', labelNames: ['table'] as const });
    expect(again).toBe(first);
    again.inc({ table: 'interactions' });
    expect(await registry.getSingleMetricAsString('x_total')).toContain('x_total{table="interactions"} 3');
  });

  it('keeps the metrics of different registries apart', () => {
    const a = new Registry();
    const b = new Registry();
    const inA = gauge(a, { name: 'g', help: 'g' });
    const inB = gauge(b, { name: 'g', help: 'g' });
    expect(inB).not.toBe(inA);
    expect(a.getSingleMetric('g')).toBe(inA);
    expect(b.getSingleMetric('g')).toBe(inB);
  });

  it('passes the options on (histogram buckets)', async () => {
    const registry = new Registry();
    histogram(registry, { name: 'h_seconds', help: 'h', buckets: [1, 5] }).observe(3);
    const text = await registry.getSingleMetricAsString('h_seconds');
    expect(text).toContain('h_seconds_bucket{le="1"} 0');
    expect(text).toContain('h_seconds_bucket{le="5"} 1');
    expect(text).not.toContain('le="0.005"');
  });
});
