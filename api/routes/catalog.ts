import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../errors.js';
import { EntityId, bearerSecurity, errorResponses } from '../http-schemas/common.js';
import { IngestResult, ingest } from '../ingest.js';

/**
 * Catalog upserts onto the compacted `items` and `users` topics (the latest record per id wins)
 * and deletions as tombstones. Records are normalised like replayed catalog files.
 */
export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps, auth, settings } = app.clients;
  const max = settings.maxCatalogRecordsPerRequest;
  const security = auth.guarded('write') ? bearerSecurity : [];

  for (const kind of ['items', 'users'] as const) {
    const idField = kind === 'items' ? 'item_id' : 'user_id';
    const noun = kind === 'items' ? 'item' : 'user';

    app.post(
      `/v1/${kind}`,
      {
        onRequest: auth.hook('write'),
        bodyLimit: settings.eventsBodyLimitBytes,
        schema: {
          tags: ['catalog'],
          summary: `Upsert one ${noun} or an array of up to ${max}`,
          description:
            kind === 'items'
              ? 'Fields: item_id, title (or name), category, subcategory, brand, price, description, is_active, attributes, created_at.'
              : 'Fields: user_id, age, age_group, gender, location, device, segment, join_date, attributes.',
          security,
          body: Type.Union([
            Type.Object({}, { additionalProperties: true, description: `one ${noun}` }),
            Type.Array(Type.Unknown(), { maxItems: max }),
          ]),
          response: { 202: IngestResult, ...errorResponses },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const single = !Array.isArray(body);
        if (!single && body.length === 0) {
          throw new ApiError(400, 'validation_failed', `the array holds no ${kind}`, 'body');
        }
        const outcome = await ingest(kind, single ? [body] : body, deps.producer);
        if (single && outcome.accepted === 0 && outcome.rejected.length > 0) {
          const first = outcome.rejected[0]!;
          throw new ApiError(
            400,
            'validation_failed',
            outcome.rejected.map((r) => r.reason).join('; '),
            first.field,
          );
        }
        return reply.code(202).send(outcome);
      },
    );

    app.delete(
      `/v1/${kind}/:id`,
      {
        onRequest: auth.hook('write'),
        schema: {
          tags: ['catalog'],
          summary: `Delete a ${noun} (a tombstone on the compacted topic)`,
          security,
          params: Type.Object({ id: EntityId }),
          response: {
            202: Type.Object({ deleted: Type.String(), topic: Type.String() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        try {
          await deps.producer.tombstone(kind, request.params.id);
        } catch (err) {
          throw new ApiError(
            503,
            'unavailable',
            `Kafka did not acknowledge the tombstone (${err instanceof Error ? err.message : String(err)}); retry later`,
          );
        }
        request.log.info({ [idField]: request.params.id }, `${noun} deleted`);
        return reply.code(202).send({ deleted: request.params.id, topic: kind });
      },
    );
  }
};
