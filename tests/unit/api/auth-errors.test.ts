import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthenticator, type AuthKeys } from '../../../api/auth.js';
import { describeValidationError, handleError } from '../../../api/errors.js';

async function appWith(keys: AuthKeys): Promise<FastifyInstance> {
  const auth = createAuthenticator(keys);
  const app = Fastify();
  app.setErrorHandler(handleError);
  app.get('/read', { onRequest: auth.hook('read') }, async () => ({ ok: true }));
  app.post('/write', { onRequest: auth.hook('write') }, async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  await app.ready();
  return app;
}

describe('bearer authentication', () => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  it('leaves every route open when no key is configured', async () => {
    app = await appWith({ apiKey: undefined, apiReadKey: undefined });
    expect((await app.inject({ method: 'POST', url: '/write' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/read' })).statusCode).toBe(200);
  });

  it('tells a missing key (401) from a wrong one (403)', async () => {
    app = await appWith({ apiKey: 'the-write-key', apiReadKey: undefined });
    const missing = await app.inject({ method: 'POST', url: '/write' });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toContain('Bearer');
    expect(missing.json()).toMatchObject({ error: 'unauthorized', field: 'authorization' });
    const wrongScheme = await app.inject({
      method: 'POST',
      url: '/write',
      headers: { authorization: 'Token x' },
    });
    expect(wrongScheme.statusCode).toBe(401);
    // Same length as the key and a prefix of it: still refused.
    const wrong = await app.inject({
      method: 'POST',
      url: '/write',
      headers: { authorization: 'Bearer the-write-kez' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ error: 'forbidden' });
    const shorter = await app.inject({
      method: 'POST',
      url: '/write',
      headers: { authorization: 'Bearer the' },
    });
    expect(shorter.statusCode).toBe(403);
    const right = await app.inject({
      method: 'POST',
      url: '/write',
      headers: { authorization: 'bearer the-write-key' },
    });
    expect(right.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/read' })).statusCode).toBe(200);
  });

  it('takes the read key or the write key on reads, and only the write key on writes', async () => {
    app = await appWith({ apiKey: 'the-write-key', apiReadKey: 'the-read-key' });
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    expect((await app.inject({ method: 'GET', url: '/read' })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'GET', url: '/read', headers: bearer('the-read-key') })).statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/read', headers: bearer('the-write-key') })).statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/write', headers: bearer('the-read-key') })).statusCode,
    ).toBe(403);
  });

  it('answers a 500 without the error message or a stack trace', async () => {
    app = await appWith({ apiKey: undefined, apiReadKey: undefined });
    const r = await app.inject({ method: 'GET', url: '/boom' });
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('hunter2');
    expect(r.body).not.toContain('at ');
    expect(r.json()).toMatchObject({ error: 'internal_error', field: null });
  });
});

describe('validation errors', () => {
  const error = (
    keyword: string,
    instancePath: string,
    params: Record<string, unknown>,
    message: string,
  ) => ({
    keyword,
    instancePath,
    schemaPath: '',
    params,
    message,
  });

  it('names the missing property', () => {
    expect(
      describeValidationError([error('required', '', { missingProperty: 'query' }, 'x')], 'body'),
    ).toEqual({
      field: 'query',
      reason: 'query is required',
    });
  });

  it('names an array element by index and an unknown field', () => {
    expect(
      describeValidationError(
        [error('minLength', '/users/3', { limit: 1 }, 'must NOT have fewer than 1 characters')],
        'body',
      ),
    ).toEqual({ field: 'users[3]', reason: 'users[3] must NOT have fewer than 1 characters' });
    expect(
      describeValidationError(
        [error('additionalProperties', '', { additionalProperty: 'feilds' }, 'x')],
        'querystring',
      ),
    ).toEqual({ field: 'feilds', reason: 'feilds is not a known field' });
  });

  it('prefers a branch error over "wrong type" for anyOf bodies, and lists the accepted types', () => {
    expect(
      describeValidationError(
        [
          error('type', '', { type: 'object' }, 'must be object'),
          error('maxItems', '', { limit: 10000 }, 'must NOT have more than 10000 items'),
          error('anyOf', '', {}, 'must match a schema in anyOf'),
        ],
        'body',
      ),
    ).toEqual({ field: 'body', reason: 'body must NOT have more than 10000 items' });
    expect(
      describeValidationError(
        [
          error('type', '', { type: 'object' }, 'must be object'),
          error('type', '', { type: 'array' }, 'must be array'),
          error('anyOf', '', {}, 'must match a schema in anyOf'),
        ],
        'body',
      ),
    ).toEqual({ field: 'body', reason: 'body must be object or array' });
  });
});
