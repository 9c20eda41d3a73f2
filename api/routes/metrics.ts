import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bearerSecurity, errorResponses } from '../http-schemas/common.js';
import type { HttpMetrics } from '../http-metrics.js';

/**
 * GET /metrics in the Prometheus text format: the API's own HTTP metrics and the pipeline's
 * (processors, sink) from the shared registry. Guarded by API_READ_KEY when set.
 */
export const metricsRoutes: FastifyPluginAsyncTypebox<{ http: HttpMetrics }> = async (app, options) => {
  const { auth, metrics } = app.clients;

  app.get(
    '/metrics',
    {
      onRequest: auth.hook('read'),
      schema: {
        tags: ['operations'],
        security: auth.guarded('read') ? bearerSecurity : [],
        summary: 'Prometheus metrics: HTTP latency by route, pipeline metrics',
        response: { 200: Type.String(), ...errorResponses },
      },
    },
    async (_request, reply) => {
      const [own, shared] = await Promise.all([options.http.registry.metrics(), metrics.metrics()]);
      return reply.type(metrics.contentType).send(`${own}\n${shared}`);
    },
  );
};
