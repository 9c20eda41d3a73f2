import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '../../lib/logger.js';
import { parseCompatibilityLevel } from './compatibility.js';
import {
  invalidCompatibilityLevel,
  invalidSchema,
  invalidVersion,
  RegistryError,
  schemaIdNotFound,
} from './errors.js';
import type { SchemaInput, SchemaReference } from './schema.js';
import type { StoredVersion } from './state.js';
import type { SchemaStore, VersionSpec } from './store.js';

/**
 * The Confluent Schema Registry REST API over a SchemaStore: request parsing, status codes and
 * response shapes only; every decision is the store's. See KAFKA-PROTOCOL.md section 10 for
 * what @kafkajs/confluent-schema-registry relies on.
 */
export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

const MAX_INT32 = 2_147_483_647;

type Query = Record<string, string | undefined>;

function flag(query: Query, name: string): boolean {
  return query[name]?.toLowerCase() === 'true';
}

export function parseVersionSpec(raw: string): VersionSpec {
  if (raw === 'latest' || raw === '-1') return 'latest';
  if (/^\d{1,10}$/.test(raw)) {
    const n = Number(raw);
    if (n >= 1 && n <= MAX_INT32) return n;
  }
  throw invalidVersion(raw);
}

function parseSchemaId(raw: string): number {
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_INT32)) throw schemaIdNotFound(raw);
  return n;
}

function parseReferences(raw: unknown): SchemaReference[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidSchema('"references" must be an array');
  return raw.map((r: unknown) => {
    const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    const version = typeof o.version === 'string' ? Number(o.version) : o.version;
    if (typeof o.name !== 'string' || typeof o.subject !== 'string' || !Number.isInteger(version)) {
      throw invalidSchema('every reference needs a "name", a "subject" and an integer "version"');
    }
    return { name: o.name, subject: o.subject, version: version as number };
  });
}

/** The body of register, lookup and compatibility requests. Only Avro is accepted. */
export function parseSchemaInput(body: unknown): SchemaInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidSchema('the request body must be a JSON object with a "schema" field');
  }
  const o = body as Record<string, unknown>;
  if (o.schemaType !== undefined && o.schemaType !== null && String(o.schemaType).toUpperCase() !== 'AVRO') {
    throw invalidSchema(
      `schema type ${String(o.schemaType)} is not supported: this registry stores Avro schemas`,
    );
  }
  if (typeof o.schema !== 'string' || o.schema.trim() === '') throw invalidSchema('empty schema');
  return { schema: o.schema, references: parseReferences(o.references) };
}

/** Confluent omits schemaType for Avro, and references when there are none. */
function versionBody(v: StoredVersion): Record<string, unknown> {
  return {
    subject: v.subject,
    version: v.version,
    id: v.id,
    schema: v.schema,
    ...(v.references.length ? { references: v.references } : {}),
  };
}

function schemaBody(v: StoredVersion): Record<string, unknown> {
  return { schema: v.schema, ...(v.references.length ? { references: v.references } : {}) };
}

function sendRaw(reply: FastifyReply, text: string): FastifyReply {
  return reply.type(CONTENT_TYPE).send(text);
}

export interface RegistryAppOptions {
  store: SchemaStore;
  logger: Logger;
}

export function buildRegistryApp({ store, logger }: RegistryAppOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { maxParamLength: 2048, ignoreTrailingSlash: true },
  });

  // Confluent clients send application/vnd.schemaregistry.v1+json, others application/json,
  // and curl users often nothing or form-encoded: every body is JSON here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new RegistryError(400, 400, `Unrecognized request body: ${(err as Error).message}`), undefined);
    }
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-type', CONTENT_TYPE);
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    logger.debug({ method: req.method, url: req.url, status: reply.statusCode }, 'registry request');
  });

  app.setErrorHandler((err: FastifyError | RegistryError, req, reply) => {
    if (err instanceof RegistryError) {
      if (err.httpStatus >= 500) logger.error({ err, url: req.url }, 'schema registry request failed');
      return reply.status(err.httpStatus).send(err.body());
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      logger.error({ err, url: req.url }, 'schema registry request failed');
      return reply
        .status(500)
        .send({ error_code: 50001, message: `Error in the backend data store - ${err.message}` });
    }
    return reply.status(status).send({ error_code: status, message: err.message });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).send({ error_code: 404, message: 'HTTP 404 Not Found' }),
  );

  type SubjectParams = { Params: { subject: string }; Querystring: Query };
  type VersionParams = { Params: { subject: string; version: string }; Querystring: Query };
  type IdParams = { Params: { id: string }; Querystring: Query };

  app.get('/', async () => ({}));
  app.get('/schemas/types', async () => ['AVRO']);
  app.get('/mode', async () => ({ mode: 'READWRITE' }));
  app.get<SubjectParams>('/mode/:subject', async () => ({ mode: 'READWRITE' }));

  // ---- schemas by id
  app.get<IdParams>('/schemas/ids/:id', async (req) =>
    schemaBody(await store.schemaById(parseSchemaId(req.params.id))),
  );
  app.get<IdParams>('/schemas/ids/:id/schema', async (req, reply) =>
    sendRaw(reply, (await store.schemaById(parseSchemaId(req.params.id))).schema),
  );
  app.get<IdParams>('/schemas/ids/:id/versions', async (req) =>
    (await store.versionsById(parseSchemaId(req.params.id), flag(req.query, 'deleted'))).map((v) => ({
      subject: v.subject,
      version: v.version,
    })),
  );
  app.get<IdParams>('/schemas/ids/:id/subjects', async (req) => [
    ...new Set(
      (await store.versionsById(parseSchemaId(req.params.id), flag(req.query, 'deleted'))).map(
        (v) => v.subject,
      ),
    ),
  ]);
  app.get<{ Querystring: Query }>('/schemas', async (req) => {
    const prefix = req.query.subjectPrefix ?? '';
    const deleted = flag(req.query, 'deleted');
    const latestOnly = flag(req.query, 'latestOnly');
    const out: Record<string, unknown>[] = [];
    for (const subject of await store.subjects(deleted)) {
      if (!subject.startsWith(prefix)) continue;
      const versions = await store.versions(subject, deleted);
      for (const version of latestOnly ? versions.slice(-1) : versions) {
        out.push(versionBody(await store.version(subject, version, deleted)));
      }
    }
    return out;
  });

  // ---- subjects
  app.get<{ Querystring: Query }>('/subjects', async (req) => {
    const prefix = req.query.subjectPrefix ?? '';
    return (await store.subjects(flag(req.query, 'deleted'))).filter((s) => s.startsWith(prefix));
  });
  app.get<SubjectParams>('/subjects/:subject/versions', async (req) => {
    const versions = await store.versions(req.params.subject, flag(req.query, 'deleted'));
    if (versions.length === 0) {
      // Resolving "latest" raises the right 404 for a missing or fully deleted subject.
      await store.version(req.params.subject, 'latest', flag(req.query, 'deleted'));
    }
    return versions;
  });
  app.get<VersionParams>('/subjects/:subject/versions/:version', async (req) =>
    versionBody(
      await store.version(
        req.params.subject,
        parseVersionSpec(req.params.version),
        flag(req.query, 'deleted'),
      ),
    ),
  );
  app.get<VersionParams>('/subjects/:subject/versions/:version/schema', async (req, reply) =>
    sendRaw(
      reply,
      (
        await store.version(
          req.params.subject,
          parseVersionSpec(req.params.version),
          flag(req.query, 'deleted'),
        )
      ).schema,
    ),
  );
  app.get<VersionParams>('/subjects/:subject/versions/:version/referencedby', async (req) =>
    store.referencedBy(req.params.subject, parseVersionSpec(req.params.version)),
  );
  app.post<SubjectParams>('/subjects/:subject/versions', async (req) => {
    const { id } = await store.register(req.params.subject, parseSchemaInput(req.body));
    return { id };
  });
  app.post<SubjectParams>('/subjects/:subject', async (req) =>
    versionBody(
      await store.lookup(req.params.subject, parseSchemaInput(req.body), flag(req.query, 'deleted')),
    ),
  );
  app.delete<SubjectParams>('/subjects/:subject', async (req) =>
    store.deleteSubject(req.params.subject, flag(req.query, 'permanent')),
  );
  app.delete<VersionParams>('/subjects/:subject/versions/:version', async (req) =>
    store.deleteVersion(
      req.params.subject,
      parseVersionSpec(req.params.version),
      flag(req.query, 'permanent'),
    ),
  );

  // ---- compatibility levels
  const levelFromBody = (body: unknown) => {
    const raw = (body as { compatibility?: unknown } | undefined)?.compatibility;
    const level = parseCompatibilityLevel(raw);
    if (!level) throw invalidCompatibilityLevel(raw);
    return level;
  };
  app.get('/config', async () => ({ compatibilityLevel: await store.globalLevel() }));
  app.put('/config', async (req) => ({ compatibility: await store.setLevel(null, levelFromBody(req.body)) }));
  app.delete('/config', async () => ({ compatibilityLevel: await store.deleteLevel(null) }));
  app.get<SubjectParams>('/config/:subject', async (req) => ({
    compatibilityLevel: await store.subjectLevel(req.params.subject, flag(req.query, 'defaultToGlobal')),
  }));
  app.put<SubjectParams>('/config/:subject', async (req) => ({
    compatibility: await store.setLevel(req.params.subject, levelFromBody(req.body)),
  }));
  app.delete<SubjectParams>('/config/:subject', async (req) => ({
    compatibilityLevel: await store.deleteLevel(req.params.subject),
  }));

  // ---- compatibility checks
  const compatibilityBody = (problems: string[], query: Query) => ({
    is_compatible: problems.length === 0,
    ...(flag(query, 'verbose') ? { messages: problems } : {}),
  });
  app.post<VersionParams>('/compatibility/subjects/:subject/versions/:version', async (req) =>
    compatibilityBody(
      await store.compatibility(
        req.params.subject,
        parseVersionSpec(req.params.version),
        parseSchemaInput(req.body),
      ),
      req.query,
    ),
  );
  app.post<SubjectParams>('/compatibility/subjects/:subject/versions', async (req) =>
    compatibilityBody(
      await store.compatibility(req.params.subject, undefined, parseSchemaInput(req.body)),
      req.query,
    ),
  );

  return app;
}
