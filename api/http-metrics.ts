import type { FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, Registry } from 'prom-client';

/**
 * HTTP latency by route, in a registry of the API's own (so two API instances in one process —
 * tests — do not collide in the shared registry). /metrics serves it next to the pipeline metrics.
 * Route labels are route patterns (/v1/features/users/:id), never raw URLs, so cardinality stays
 * bounded whatever ids clients send.
 */
export interface HttpMetrics {
  registry: Registry;
  observe(request: FastifyRequest, reply: FastifyReply): void;
}

export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  const duration = new Histogram({
    name: 'recostream_http_request_duration_seconds',
    help: 'HTTP request latency from request start to response sent, by method, route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    // Feature lookups take a fraction of a millisecond; uploads and SQL take seconds.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });
  // One child per (method, route, status) seen, found by a string key: labels() would rebuild
  // and hash the label set on every request.
  const children = new Map<string, Histogram.Internal<'method' | 'route' | 'status_code'>>();
  return {
    registry,
    observe(request, reply) {
      const route = request.routeOptions.url ?? 'unmatched';
      const key = `${request.method} ${reply.statusCode} ${route}`;
      let child = children.get(key);
      if (!child) {
        child = duration.labels({ method: request.method, route, status_code: String(reply.statusCode) });
        children.set(key, child);
      }
      child.observe(reply.elapsedTime / 1000);
    },
  };
}
