import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroSchema, RECORD_NAMES } from '../../../schemas/avro.js';
import { SAMPLES } from '../schemas/samples.js';

/**
 * The Schema Registry REST API, endpoint by endpoint and error code by error code, as a curl
 * user or a Confluent client sees it. Run against a registry on the in-memory log (unit) and
 * against one on the embedded broker over TCP (integration).
 */
export interface RegistryUnderTest {
  url: string;
  close(): Promise<void>;
}

const CT = 'application/vnd.schemaregistry.v1+json';

interface Reply {
  status: number;
  contentType: string | null;
  body: unknown;
  text: string;
}

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = CT,
): Promise<Reply> {
  const res = await fetch(url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body: parsed, text };
}

const record = (name: string, fields: { name: string; type: unknown; default?: unknown }[]) =>
  JSON.stringify({ type: 'record', name, namespace: 'test', fields });

const V1 = record('Event', [
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
]);
const V2 = record('Event', [
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'note', type: ['null', 'string'], default: null },
]);
const ADDED_REQUIRED = record('Event', [
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'required', type: 'string' },
]);
const CHANGED_TYPE = record('Event', [
  { name: 'id', type: 'string' },
  { name: 'count', type: 'string' },
]);
const REMOVED_FIELD = record('Event', [{ name: 'id', type: 'string' }]);

function expectError(reply: Reply, status: number, code: number): void {
  expect({ status: reply.status, code: (reply.body as { error_code?: number })?.error_code }).toEqual({
    status,
    code,
  });
  expect(typeof (reply.body as { message?: unknown }).message).toBe('string');
  expect(reply.contentType).toContain(CT);
}

export function registryHttpCases(start: () => Promise<RegistryUnderTest>): void {
  let registry: RegistryUnderTest;
  let url: string;
  beforeAll(async () => {
    registry = await start();
    url = registry.url;
  });
  afterAll(async () => {
    await registry?.close();
  });

  describe('registering and reading', () => {
    it('POST /subjects/{s}/versions registers, and the same schema again returns the same id', async () => {
      const first = await call(url, 'POST', '/subjects/events-value/versions', { schema: V1 });
      expect(first.status).toBe(200);
      expect(first.contentType).toContain(CT);
      const { id } = first.body as { id: number };
      expect(Number.isInteger(id)).toBe(true);
      // application/json works too, and unknown query parameters are ignored.
      const again = await call(
        url,
        'POST',
        '/subjects/events-value/versions?normalize=false&name=x',
        { schema: V1 },
        'application/json',
      );
      expect(again.body).toEqual({ id });
      expect((await call(url, 'GET', '/subjects/events-value/versions')).body).toEqual([1]);
      const second = await call(url, 'POST', '/subjects/events-value/versions', {
        schema: V2,
        schemaType: 'AVRO',
      });
      expect(second.status).toBe(200);
      expect((second.body as { id: number }).id).not.toBe(id);
    });

    it('GET /subjects and /subjects/{s}/versions list what exists; 40401 otherwise', async () => {
      expect((await call(url, 'GET', '/subjects')).body).toContain('events-value');
      expect((await call(url, 'GET', '/subjects/events-value/versions')).body).toEqual([1, 2]);
      expectError(await call(url, 'GET', '/subjects/missing-value/versions'), 404, 40401);
    });

    it('GET /subjects/{s}/versions/{v|latest|-1} answers subject, id, version, schema', async () => {
      const latest = await call(url, 'GET', '/subjects/events-value/versions/latest');
      expect(latest.status).toBe(200);
      expect(latest.body).toMatchObject({ subject: 'events-value', version: 2, schema: V2 });
      expect(latest.body).not.toHaveProperty('schemaType');
      expect((await call(url, 'GET', '/subjects/events-value/versions/-1')).body).toEqual(latest.body);
      expect((await call(url, 'GET', '/subjects/events-value/versions/1')).body).toMatchObject({
        version: 1,
        schema: V1,
      });
      const raw = await call(url, 'GET', '/subjects/events-value/versions/1/schema');
      expect(raw.body).toEqual(JSON.parse(V1));
      expectError(await call(url, 'GET', '/subjects/events-value/versions/9'), 404, 40402);
      expectError(await call(url, 'GET', '/subjects/missing-value/versions/1'), 404, 40401);
      for (const bad of ['0', '-2', 'abc', '2147483648']) {
        expectError(await call(url, 'GET', `/subjects/events-value/versions/${bad}`), 422, 42202);
      }
    });

    it('GET /schemas/ids/{id} (and /schema, /subjects, /versions); 40403 for an unknown id', async () => {
      const { id } = (await call(url, 'GET', '/subjects/events-value/versions/1')).body as { id: number };
      const byId = await call(url, 'GET', `/schemas/ids/${id}`);
      expect(byId.status).toBe(200);
      expect(byId.body).toEqual({ schema: V1 });
      expect((await call(url, 'GET', `/schemas/ids/${id}?fetchMaxId=false&subject=x`)).body).toEqual({
        schema: V1,
      });
      expect((await call(url, 'GET', `/schemas/ids/${id}/schema`)).body).toEqual(JSON.parse(V1));
      expect((await call(url, 'GET', `/schemas/ids/${id}/subjects`)).body).toEqual(['events-value']);
      expect((await call(url, 'GET', `/schemas/ids/${id}/versions`)).body).toEqual([
        { subject: 'events-value', version: 1 },
      ]);
      expectError(await call(url, 'GET', '/schemas/ids/987654'), 404, 40403);
      expectError(await call(url, 'GET', '/schemas/ids/not-a-number'), 404, 40403);
      expect((await call(url, 'GET', '/schemas/types')).body).toEqual(['AVRO']);
    });

    it('POST /subjects/{s} looks a schema up; 40401 unknown subject, 40403 unknown schema', async () => {
      const found = await call(url, 'POST', '/subjects/events-value', {
        schema: JSON.stringify(JSON.parse(V1), null, 2),
      });
      expect(found.status).toBe(200);
      expect(found.body).toMatchObject({ subject: 'events-value', version: 1, schema: V1 });
      expectError(await call(url, 'POST', '/subjects/missing-value', { schema: V1 }), 404, 40401);
      expectError(await call(url, 'POST', '/subjects/events-value', { schema: REMOVED_FIELD }), 404, 40403);
    });

    it('gives the same schema the same id in another subject, starting at version 1 there', async () => {
      const { id } = (await call(url, 'GET', '/subjects/events-value/versions/2')).body as { id: number };
      const other = await call(url, 'POST', '/subjects/copy-value/versions', { schema: V2 });
      expect(other.body).toEqual({ id });
      expect((await call(url, 'GET', '/subjects/copy-value/versions/latest')).body).toMatchObject({
        version: 1,
        id,
      });
    });

    it('GET /schemas lists versions; GET /mode answers READWRITE', async () => {
      const all = (await call(url, 'GET', '/schemas?subjectPrefix=events-')).body as {
        subject: string;
        version: number;
      }[];
      expect(all.map((v) => [v.subject, v.version])).toEqual([
        ['events-value', 1],
        ['events-value', 2],
      ]);
      const latest = (await call(url, 'GET', '/schemas?subjectPrefix=events-&latestOnly=true')).body;
      expect(latest).toMatchObject([{ subject: 'events-value', version: 2, schema: V2 }]);
      expect((await call(url, 'GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
      expect((await call(url, 'GET', '/mode/events-value')).body).toEqual({ mode: 'READWRITE' });
    });

    it('registers schemas with references and lists who references a version', async () => {
      const address = JSON.stringify({
        type: 'record',
        name: 'Address',
        namespace: 'test',
        fields: [{ name: 'city', type: 'string' }],
      });
      expect((await call(url, 'POST', '/subjects/address/versions', { schema: address })).status).toBe(200);
      const customer = JSON.stringify({
        type: 'record',
        name: 'Customer',
        namespace: 'test',
        fields: [{ name: 'home', type: 'test.Address' }],
      });
      const references = [{ name: 'test.Address', subject: 'address', version: 1 }];
      const registered = await call(url, 'POST', '/subjects/customer-value/versions', {
        schema: customer,
        references,
      });
      expect(registered.status).toBe(200);
      const { id } = registered.body as { id: number };
      expect((await call(url, 'GET', `/schemas/ids/${id}`)).body).toEqual({ schema: customer, references });
      expect((await call(url, 'GET', '/subjects/customer-value/versions/1')).body).toMatchObject({
        references,
      });
      expect((await call(url, 'GET', '/subjects/address/versions/1/referencedby')).body).toEqual([id]);
      expectError(
        await call(url, 'POST', '/subjects/orphan-value/versions', { schema: customer }),
        422,
        42201,
      );
      expectError(
        await call(url, 'POST', '/subjects/orphan-value/versions', {
          schema: customer,
          references: [{ name: 'test.Address', subject: 'address', version: 9 }],
        }),
        422,
        42201,
      );
    });

    it('handles subject names that need URL encoding', async () => {
      const subject = encodeURIComponent('team/a b-value');
      expect((await call(url, 'POST', `/subjects/${subject}/versions`, { schema: V1 })).status).toBe(200);
      expect((await call(url, 'GET', `/subjects/${subject}/versions/1`)).body).toMatchObject({
        subject: 'team/a b-value',
      });
    });
  });

  describe('invalid input', () => {
    it('answers 42201 for a schema that is not Avro, not JSON, empty, or of another type', async () => {
      expectError(
        await call(url, 'POST', '/subjects/bad-value/versions', { schema: '{"type":"record"}' }),
        422,
        42201,
      );
      expectError(await call(url, 'POST', '/subjects/bad-value/versions', { schema: '{nope' }), 422, 42201);
      expectError(await call(url, 'POST', '/subjects/bad-value/versions', {}), 422, 42201);
      expectError(
        await call(url, 'POST', '/subjects/bad-value/versions', {
          schema: 'syntax = "proto3";',
          schemaType: 'PROTOBUF',
        }),
        422,
        42201,
      );
      expectError(await call(url, 'POST', '/subjects/bad-value/versions', '{"schema": '), 400, 400);
      expectError(await call(url, 'GET', '/subjects/bad-value/versions'), 404, 40401);
    });

    it('answers 404 with an error body for an unknown path', async () => {
      expectError(await call(url, 'GET', '/no/such/path'), 404, 404);
    });
  });

  describe('compatibility', () => {
    it('refuses breaking changes with 409 under BACKWARD and accepts them under NONE', async () => {
      const subject = '/subjects/evolving-value/versions';
      expect((await call(url, 'POST', subject, { schema: V1 })).status).toBe(200);
      const added = await call(url, 'POST', subject, { schema: ADDED_REQUIRED });
      expectError(added, 409, 409);
      expect((added.body as { message: string }).message).toContain('required');
      expectError(await call(url, 'POST', subject, { schema: CHANGED_TYPE }), 409, 409);
      // Removing a field is backward compatible (new readers ignore it) but not forward.
      expect((await call(url, 'PUT', '/config/evolving-value', { compatibility: 'FORWARD' })).status).toBe(
        200,
      );
      expectError(await call(url, 'POST', subject, { schema: REMOVED_FIELD }), 409, 409);
      expect((await call(url, 'PUT', '/config/evolving-value', { compatibility: 'NONE' })).body).toEqual({
        compatibility: 'NONE',
      });
      expect((await call(url, 'POST', subject, { schema: CHANGED_TYPE })).status).toBe(200);
      expect((await call(url, 'POST', subject, { schema: REMOVED_FIELD })).status).toBe(200);
      expect((await call(url, 'GET', '/subjects/evolving-value/versions')).body).toEqual([1, 2, 3]);
    });

    it('POST /compatibility/subjects/{s}/versions/{v} tests without registering', async () => {
      const path = '/compatibility/subjects/events-value/versions';
      expect((await call(url, 'POST', `${path}/latest`, { schema: V2 })).body).toEqual({
        is_compatible: true,
      });
      expect((await call(url, 'POST', `${path}/latest`, { schema: CHANGED_TYPE })).body).toEqual({
        is_compatible: false,
      });
      const verbose = await call(url, 'POST', `${path}/1?verbose=true`, { schema: CHANGED_TYPE });
      expect(verbose.body).toMatchObject({ is_compatible: false });
      expect((verbose.body as { messages: string[] }).messages.length).toBeGreaterThan(0);
      expect((await call(url, 'POST', path, { schema: V2 })).body).toEqual({ is_compatible: true });
      expectError(await call(url, 'POST', `${path}/9`, { schema: V2 }), 404, 40402);
      expectError(await call(url, 'POST', `${path}/x`, { schema: V2 }), 422, 42202);
      expectError(
        await call(url, 'POST', '/compatibility/subjects/missing/versions/latest', { schema: V2 }),
        404,
        40401,
      );
      expectError(await call(url, 'POST', `${path}/latest`, { schema: 'nope' }), 422, 42201);
      expect((await call(url, 'GET', '/subjects/events-value/versions')).body).toEqual([1, 2]);
    });

    it('GET|PUT|DELETE /config and /config/{s}: every level; the subject level only, 404 when none', async () => {
      expect((await call(url, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
      expectError(await call(url, 'GET', '/config/events-value'), 404, 40408);
      expect((await call(url, 'GET', '/config/events-value?defaultToGlobal=true')).body).toEqual({
        compatibilityLevel: 'BACKWARD',
      });
      for (const level of [
        'NONE',
        'BACKWARD',
        'BACKWARD_TRANSITIVE',
        'FORWARD',
        'FORWARD_TRANSITIVE',
        'FULL',
        'FULL_TRANSITIVE',
      ]) {
        expect((await call(url, 'PUT', '/config/levels-value', { compatibility: level })).body).toEqual({
          compatibility: level,
        });
        expect((await call(url, 'GET', '/config/levels-value')).body).toEqual({ compatibilityLevel: level });
      }
      expectError(await call(url, 'PUT', '/config/levels-value', { compatibility: 'SIDEWAYS' }), 422, 42203);
      expectError(await call(url, 'PUT', '/config', {}), 422, 42203);
      expect((await call(url, 'PUT', '/config', { compatibility: 'FULL' })).body).toEqual({
        compatibility: 'FULL',
      });
      expect((await call(url, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL' });
      // The global level never leaks into a subject's answer.
      expectError(await call(url, 'GET', '/config/events-value'), 404, 40408);
      expect((await call(url, 'DELETE', '/config/levels-value')).body).toEqual({
        compatibilityLevel: 'FULL_TRANSITIVE',
      });
      expectError(await call(url, 'GET', '/config/levels-value'), 404, 40408);
      expect((await call(url, 'DELETE', '/config')).body).toEqual({ compatibilityLevel: 'FULL' });
      expect((await call(url, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    });
  });

  describe('deleting', () => {
    it('DELETE /subjects/{s}/versions/{v}: soft, then permanent; 40406, 40407, 40402', async () => {
      const path = '/subjects/deletable-value';
      await call(url, 'POST', `${path}/versions`, { schema: V1 });
      await call(url, 'POST', `${path}/versions`, { schema: V2 });
      expectError(await call(url, 'DELETE', `${path}/versions/1?permanent=true`), 404, 40407);
      expect((await call(url, 'DELETE', `${path}/versions/1`)).body).toBe(1);
      expectError(await call(url, 'DELETE', `${path}/versions/1`), 404, 40406);
      expectError(await call(url, 'DELETE', `${path}/versions/7`), 404, 40402);
      expectError(await call(url, 'DELETE', `${path}/versions/zero`), 422, 42202);
      expect((await call(url, 'GET', `${path}/versions`)).body).toEqual([2]);
      expect((await call(url, 'GET', `${path}/versions?deleted=true`)).body).toEqual([1, 2]);
      expectError(await call(url, 'GET', `${path}/versions/1`), 404, 40402);
      expect((await call(url, 'GET', `${path}/versions/1?deleted=true`)).body).toMatchObject({ version: 1 });
      expect((await call(url, 'DELETE', `${path}/versions/1?permanent=true`)).body).toBe(1);
      expect((await call(url, 'GET', `${path}/versions?deleted=true`)).body).toEqual([2]);
    });

    it('DELETE /subjects/{s}: soft, then permanent; 40404, 40405, 40401', async () => {
      const path = '/subjects/doomed-value';
      await call(url, 'POST', `${path}/versions`, { schema: V1 });
      expectError(await call(url, 'DELETE', `${path}?permanent=true`), 404, 40405);
      expect((await call(url, 'DELETE', path)).body).toEqual([1]);
      expectError(await call(url, 'DELETE', path), 404, 40404);
      expect((await call(url, 'GET', '/subjects')).body).not.toContain('doomed-value');
      expect((await call(url, 'GET', '/subjects?deleted=true')).body).toContain('doomed-value');
      expectError(await call(url, 'GET', `${path}/versions`), 404, 40401);
      expect((await call(url, 'DELETE', `${path}?permanent=true`)).body).toEqual([1]);
      expectError(await call(url, 'DELETE', path), 404, 40401);
      expect((await call(url, 'GET', '/subjects?deleted=true')).body).not.toContain('doomed-value');
    });
  });

  describe('@kafkajs/confluent-schema-registry', () => {
    it('registers, encodes and decodes every recostream schema', async () => {
      const client = new SchemaRegistry({ host: url });
      for (const name of RECORD_NAMES) {
        const schema = JSON.stringify(avroSchema(name));
        const subject = `client-${name}-value`;
        const { id } = await client.register({ type: SchemaType.AVRO, schema }, { subject });
        // The client checks GET /config/{s} against its own level on every later registration.
        expect(await client.register({ type: SchemaType.AVRO, schema }, { subject })).toEqual({ id });
        expect(await client.getLatestSchemaId(subject)).toBe(id);
        expect(await client.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema })).toBe(id);
        const sample = SAMPLES[name];
        const encoded = await client.encode(id, sample);
        expect(encoded.readInt32BE(1)).toBe(id);
        // A second client, with an empty cache, fetches the schema by id to decode.
        const decoded: unknown = await new SchemaRegistry({ host: url }).decode(encoded);
        expect(JSON.parse(JSON.stringify(decoded))).toEqual(JSON.parse(JSON.stringify(sample)));
      }
    });
  });
}
