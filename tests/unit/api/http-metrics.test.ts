import type { FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createHttpMetrics } from '../../../api/http-metrics.js';

/**
 * The API's latency histogram counts into plain arrays; what /metrics prints must be exactly what
 * prom-client's own Histogram prints for the same observations.
 */
describe('HTTP latency histogram', () => {
  it('prints what a prom-client Histogram with the same buckets prints', async () => {
    const metrics = createHttpMetrics();
    const registry = new Registry();
    const reference = new Histogram({
      name: 'recostream_http_request_duration_seconds',
      help: 'HTTP request latency from request start to response sent, by method, route pattern and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    });
    const observations: [string, string | undefined, number, number][] = [
      ['GET', '/v1/features/users/:id', 200, 0.0007],
      ['GET', '/v1/features/users/:id', 200, 0.0005],
      ['GET', '/v1/features/users/:id', 200, 0.003],
      ['POST', '/v1/events', 202, 0.2],
      ['GET', '/v1/features/users/:id', 404, 70],
      ['GET', undefined, 404, 0.001],
      ['GET', '/v1/features/users/:id', 200, 60],
    ];
    for (const [method, url, status, seconds] of observations) {
      metrics.observe(
        { method, routeOptions: { url } } as unknown as FastifyRequest,
        { statusCode: status, elapsedTime: seconds * 1000 } as unknown as FastifyReply,
      );
      reference.labels({ method, route: url ?? 'unmatched', status_code: String(status) }).observe(seconds);
    }
    const printed = await metrics.registry.metrics();
    expect(printed).toContain('le="+Inf",method="GET",route="unmatched",status_code="404"} 1');
    expect(printed).toBe(await registry.metrics());
  });
});
