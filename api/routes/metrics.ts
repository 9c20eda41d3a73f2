import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bearerSecurity, errorResponses } from '../http-schemas/common.js';

/**
 * GET /metrics in the Prometheus text format: the API's own HTTP metrics and the pipeline's
 * (processors, sink) from the shared registry — summed over the workers of `recostream api
 * --workers` (api/cluster/metrics.ts). Guarded by API_READ_KEY when set.
 */
export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth, metrics, metricsText } = app.clients;

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
      return reply.type(metrics.contentType).send(await metricsText());
    },
  );
};
