import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { avroSchema, invalidPaths } from '../../schemas/avro.js';
import { Normaliser, type RecordKind } from '../../schemas/normalise/index.js';
import { valueSubject } from '../../schemas/serde.js';
import { RECORD_NAMES, type RecordName } from '../../schemas/types.js';
import { declaredTopics } from '../../topology/topics.js';
import { ApiError } from '../errors.js';
import { bearerSecurity, errorResponses } from '../http-schemas/common.js';

/**
 * The Avro schemas with their registry ids, and a dry-run of the input normalisation (what
 * POST /v1/events or an upload would make of some records, without producing anything).
 */

interface Registration {
  id: number | null;
  version: number | null;
}

/** Asks the registry whether this exact schema is registered under the subject (never registers it). */
async function lookUpRegistration(
  registryUrl: string,
  subject: string,
  schema: object,
  timeoutMs: number,
): Promise<Registration> {
  let response: Response;
  try {
    response = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ApiError(503, 'unavailable', `the schema registry is unreachable: ${(err as Error).message}`);
  }
  if (response.status === 404) return { id: null, version: null };
  if (!response.ok) {
    throw new ApiError(
      503,
      'unavailable',
      `the schema registry answered ${response.status} for subject ${subject}`,
    );
  }
  const body = (await response.json()) as { id?: number; version?: number };
  return { id: body.id ?? null, version: body.version ?? null };
}

const SchemaResponse = Type.Object({
  name: Type.String({ description: 'the record name' }),
  topic: Type.String(),
  subject: Type.String({ description: 'registry subject (TopicNameStrategy: <topic>-value)' }),
  registered: Type.Boolean({ description: 'whether this schema is registered under the subject' }),
  id: Type.Union([Type.Integer(), Type.Null()], {
    description: 'registry schema id (the id in every message header)',
  }),
  version: Type.Union([Type.Integer(), Type.Null()], { description: 'version under the subject' }),
  schema: Type.Object({}, { additionalProperties: true, description: 'the Avro schema (.avsc)' }),
});

const KINDS: readonly RecordKind[] = ['interactions', 'items', 'users'];

export const schemaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps, auth, settings } = app.clients;
  const topics = declaredTopics(deps.config.featureVersion);
  const security = auth.guarded('read') ? bearerSecurity : [];

  /** A record name or a topic name -> the record and the topic it is the value of. */
  function resolve(name: string): { record: RecordName; topic: string } {
    const byTopic = topics.find((t) => t.name === name);
    if (byTopic) return { record: byTopic.valueRecord, topic: byTopic.name };
    const record = RECORD_NAMES.find((r) => r.toLowerCase() === name.toLowerCase());
    const topic = record && topics.find((t) => t.valueRecord === record && t.name !== 'interactions-by-item');
    if (!record || !topic) {
      throw new ApiError(
        404,
        'not_found',
        `no schema named "${name}" (records: ${RECORD_NAMES.join(', ')}; or a topic name: ${topics.map((t) => t.name).join(', ')})`,
        'name',
      );
    }
    return { record, topic: topic.name };
  }

  app.get(
    '/v1/schemas',
    {
      onRequest: auth.hook('read'),
      schema: {
        tags: ['schemas'],
        security,
        summary: 'The records and the topics they are the values of',
        response: {
          200: Type.Object({
            schemas: Type.Array(
              Type.Object({ name: Type.String(), topic: Type.String(), subject: Type.String() }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({
      schemas: topics.map((t) => ({ name: t.valueRecord, topic: t.name, subject: valueSubject(t.name) })),
    }),
  );

  app.get(
    '/v1/schemas/:name',
    {
      onRequest: auth.hook('read'),
      schema: {
        tags: ['schemas'],
        security,
        summary: 'An Avro schema and its schema registry id',
        params: Type.Object({
          name: Type.String({
            minLength: 1,
            maxLength: 200,
            description: 'record name (Interaction) or topic name (interactions)',
          }),
        }),
        response: { 200: SchemaResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { record, topic } = resolve(request.params.name);
      const schema = avroSchema(record);
      const subject = valueSubject(topic);
      const { id, version } = await lookUpRegistration(
        deps.schemaRegistryUrl,
        subject,
        schema,
        settings.dependencyTimeoutMs,
      );
      return { name: record, topic, subject, registered: id !== null, id, version, schema };
    },
  );

  app.post(
    '/v1/validate',
    {
      onRequest: auth.hook('read'),
      schema: {
        tags: ['schemas'],
        security,
        summary: 'Dry-run validation: what ingestion would make of sample records (nothing is produced)',
        body: Type.Object(
          {
            kind: Type.Union(
              KINDS.map((k) => Type.Literal(k)),
              { description: 'interactions, items or users' },
            ),
            records: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }),
            map: Type.Optional(
              Type.Record(Type.String(), Type.String(), {
                description: 'input column -> schema field, like replay --map',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            valid: Type.Integer(),
            invalid: Type.Integer(),
            results: Type.Array(
              Type.Object({
                index: Type.Integer(),
                ok: Type.Boolean(),
                record: Type.Optional(Type.Object({}, { additionalProperties: true })),
                errors: Type.Optional(
                  Type.Array(
                    Type.Object({ field: Type.String(), reason: Type.String(), code: Type.String() }),
                  ),
                ),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { kind, records, map } = request.body;
      let normaliser: Normaliser<RecordKind>;
      try {
        normaliser = new Normaliser(kind, { source: 'api', defaultEventTimeToNow: true, columnMap: map });
      } catch (err) {
        throw new ApiError(400, 'validation_failed', (err as Error).message, 'map');
      }
      const now = Date.now();
      const record = kind === 'interactions' ? 'Interaction' : kind === 'items' ? 'Item' : 'User';
      let valid = 0;
      const results = records.map((raw, index) => {
        const r = normaliser.normalise(raw as Record<string, unknown>, now);
        if (!r.ok) return { index, ok: false, errors: r.errors };
        const paths = invalidPaths(record, r.value);
        if (paths.length > 0) {
          return {
            index,
            ok: false,
            errors: paths.map((p) => ({
              field: p,
              reason: `${p} does not fit the ${record} schema`,
              code: 'invalid_string',
            })),
          };
        }
        valid++;
        return { index, ok: true, record: r.value as unknown as Record<string, unknown> };
      });
      return { valid, invalid: records.length - valid, results };
    },
  );
};
