import type { Registry } from 'prom-client';

/** One labelled value of a Prometheus metric. */
export interface MetricValue {
  labels: Record<string, string>;
  value: number;
}

/**
 * The current values of the metric `name` in `registry`; empty when no part of this process
 * registered it (the processors and the sink register theirs only where they run).
 */
export async function metricValues(registry: Registry, name: string): Promise<MetricValue[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  const { values } = await metric.get();
  return values.map((v) => ({
    labels: Object.fromEntries(Object.entries(v.labels).map(([k, l]) => [k, String(l)])),
    value: v.value,
  }));
}

/** Sums `values` by one label (values without it are summed under ''). */
export function sumBy(values: readonly MetricValue[], label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const key = v.labels[label] ?? '';
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}
