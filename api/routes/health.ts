import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { processorMetrics } from '../../lib/metrics.js';
import { runProbes } from '../readiness.js';

/**
 * GET /health: the process is alive (no dependency checked). GET /ready: whether each dependency
 * answers now, the health each pipeline component reports, and the processors' lag; 503 while a
 * required dependency (Kafka, schema registry, Redis) is down. Both are open: load balancers and
 * orchestrators call them without credentials.
 */

const Dependency = Type.Object({
  name: Type.String(),
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  required: Type.Boolean(),
  latency_ms: Type.Number(),
  detail: Type.Union([Type.String(), Type.Null()]),
});

const Component = Type.Object({
  name: Type.String(),
  healthy: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  since: Type.Integer(),
  details: Type.Object({}, { additionalProperties: true }),
});

const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unready')]),
  dependencies: Type.Array(Dependency),
  components: Type.Array(Component),
  processor_lag: Type.Object({
    total: Type.Integer({ description: 'records behind the partition ends, summed' }),
    partitions: Type.Array(
      Type.Object({
        processor: Type.String(),
        version: Type.String(),
        topic: Type.String(),
        partition: Type.String(),
        lag: Type.Number(),
      }),
    ),
  }),
});

/** The lag gauge's current values (set by the processors after each batch). */
async function processorLag() {
  const metric = await processorMetrics.lag.get();
  const partitions = metric.values.map((v) => ({
    processor: String(v.labels.processor ?? ''),
    version: String(v.labels.version ?? ''),
    topic: String(v.labels.topic ?? ''),
    partition: String(v.labels.partition ?? ''),
    lag: v.value,
  }));
  return { total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
}

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { probes, health, settings } = app.clients;
  const started = Date.now();

  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok'), uptime_s: Type.Number() }) },
      },
    },
    async () => ({ status: 'ok' as const, uptime_s: Math.round((Date.now() - started) / 100) / 10 }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: Kafka, registry, Redis and ClickHouse up/down, component health, processor lag',
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (_request, reply) => {
      const [dependencies, lag] = await Promise.all([
        runProbes(probes, Math.min(settings.dependencyTimeoutMs, 3_000)),
        processorLag(),
      ]);
      const ready = dependencies.every((d) => d.status === 'up' || !d.required);
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'unready',
        dependencies,
        components: health.status().components,
        processor_lag: { total: Math.round(lag.total), partitions: lag.partitions },
      });
    },
  );
};
