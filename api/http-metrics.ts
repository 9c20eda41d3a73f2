import type { FastifyReply, FastifyRequest } from 'fastify';
import { Registry, type Metric, type MetricValueWithName } from 'prom-client';

/**
 * HTTP latency by route, in a registry of the API's own (so two API instances in one process —
 * tests — do not collide in the shared registry). /metrics serves it next to the pipeline metrics.
 * Route labels are route patterns (/v1/features/users/:id), never raw URLs, so cardinality stays
 * bounded whatever ids clients send.
 *
 * The histogram counts into plain arrays per (method, route, status) and hands prom-client the
 * finished series when the registry is read. prom-client's own Histogram hashes and validates the
 * label set on every observation, a few microseconds that showed in the profile of feature
 * lookups (docs/BENCHMARKS.md); the exposition is the same.
 */
export interface HttpMetrics {
  registry: Registry;
  observe(request: FastifyRequest, reply: FastifyReply): void;
}

const NAME = 'recostream_http_request_duration_seconds';
const HELP = 'HTTP request latency from request start to response sent, by method, route pattern and status';
// Feature lookups take a fraction of a millisecond; uploads and SQL take seconds.
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60];

interface Series {
  labels: { method: string; route: string; status_code: string };
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

class RouteLatencyHistogram {
  readonly name = NAME;
  readonly help = HELP;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: Series[] = [];
  /** method → route → status → series: lookups of strings Fastify already holds, no key built per request. */
  private readonly index = new Map<string, Map<string, Map<number, Series>>>();

  observe(method: string, route: string, status: number, seconds: number): void {
    let byRoute = this.index.get(method);
    if (!byRoute) this.index.set(method, (byRoute = new Map()));
    let byStatus = byRoute.get(route);
    if (!byStatus) byRoute.set(route, (byStatus = new Map()));
    let s = byStatus.get(status);
    if (!s) {
      s = {
        labels: { method, route, status_code: String(status) },
        counts: new Float64Array(BUCKETS.length + 1),
        sum: 0,
        count: 0,
      };
      byStatus.set(status, s);
      this.series.push(s);
    }
    let b = 0;
    while (b < BUCKETS.length && seconds > BUCKETS[b]!) b++;
    s.counts[b]!++;
    s.sum += seconds;
    s.count++;
  }

  /** What prom-client's registry reads from a metric to print it. */
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: MetricValueWithName<string>[];
  }> {
    const values: MetricValueWithName<string>[] = [];
    for (const s of this.series) {
      let cumulative = 0;
      for (let b = 0; b <= BUCKETS.length; b++) {
        cumulative += s.counts[b]!;
        values.push({
          metricName: `${NAME}_bucket`,
          labels: { le: b < BUCKETS.length ? BUCKETS[b]! : '+Inf', ...s.labels },
          value: cumulative,
        });
      }
      values.push({ metricName: `${NAME}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${NAME}_count`, labels: s.labels, value: s.count });
    }
    return Promise.resolve({ name: NAME, help: HELP, type: this.type, aggregator: this.aggregator, values });
  }
}

export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  const histogram = new RouteLatencyHistogram();
  registry.registerMetric(histogram as unknown as Metric);
  return {
    registry,
    observe(request, reply) {
      histogram.observe(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    },
  };
}
