import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../errors.js';
import { bearerSecurity, errorResponses } from '../http-schemas/common.js';
import { IngestResult, ingest } from '../ingest.js';

/**
 * POST /v1/events: one interaction or an array of them. The input is the replay input (aliases
 * such as product_id or interaction_type, integer ids, ISO or epoch timestamps); an event
 * without event_time takes the ingest time. An invalid single event answers 400; in an array,
 * the valid events are accepted and the invalid ones listed.
 */
export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps, auth, settings } = app.clients;
  const max = settings.maxEventsPerRequest;

  app.post(
    '/v1/events',
    {
      onRequest: auth.hook('write'),
      bodyLimit: settings.eventsBodyLimitBytes,
      schema: {
        tags: ['ingestion'],
        summary: `Ingest one interaction event or an array of up to ${max}`,
        description:
          'Fields: user_id, item_id, event_type (view, click, add_to_cart, purchase, like, rate), rating, ' +
          'event_time (ISO 8601 or epoch s/ms; default now), event_id (default: a hash of the event), ' +
          'session_id, device_type, page_context, price. Valid events are acknowledged by Kafka (acks=all) ' +
          'before the response; invalid ones are listed in `rejected` and written to the dead-letters topic.',
        security: auth.guarded('write') ? bearerSecurity : [],
        body: Type.Union([
          Type.Object({}, { additionalProperties: true, description: 'one event' }),
          Type.Array(Type.Unknown(), { maxItems: max, description: `up to ${max} events` }),
        ]),
        response: {
          202: IngestResult,
          400: Type.Object({
            error: Type.String(),
            field: Type.Union([Type.String(), Type.Null()]),
            reason: Type.String(),
            accepted: Type.Optional(Type.Integer()),
            rejected: Type.Optional(IngestResult.properties.rejected),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const single = !Array.isArray(body);
      if (!single && body.length === 0) {
        throw new ApiError(400, 'validation_failed', 'the array holds no events', 'body');
      }
      const outcome = await ingest('interactions', single ? [body] : body, deps.producer);
      if (single && outcome.accepted === 0 && outcome.rejected.length > 0) {
        const first = outcome.rejected[0]!;
        return reply.code(400).send({
          error: 'validation_failed',
          field: first.field,
          reason: outcome.rejected.map((r) => r.reason).join('; '),
          accepted: 0,
          rejected: outcome.rejected,
        });
      }
      return reply.code(202).send(outcome);
    },
  );
};
