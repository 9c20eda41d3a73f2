import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRoute, RunningApi } from '../../api/server.js';
import { startBroker } from '../../embedded/kafka/index.js';
import { launchRedis } from '../../embedded/redis/launcher.js';
import { MemoryRegistryLog, startRegistry } from '../../embedded/registry/index.js';
import { silentLogger } from '../../lib/logger.js';
import { startApiStack, type ApiStack } from '../harness/api-stack.js';
import { bearer, errorCode, http, type HttpReply } from './http.js';
import { recordResult } from './results.js';
import { entryPoint } from '../harness/entry-points.js';

/**
 * Access control and limits, enumerated from the API's own route table (so a route added later
 * is covered without touching this file): every route but the open ones needs a key, every write
 * route refuses the read key, every body over its limit is a 413, SQL that writes is refused by
 * ClickHouse, and the broker, registry and redis-server listen on loopback unless told otherwise.
 */

const WRITE_KEY = 'reliability-write-key-0123';
const READ_KEY = 'reliability-read-key-4567';
const WRONG_KEY = 'reliability-wrong-key-8901';

/**
 * Routes that are open by design (docs/API.md): liveness, readiness, the documentation, and the
 * dashboard's page and assets (code only: its data comes from guarded /v1/dashboard routes).
 */
const OPEN = (route: ApiRoute) =>
  route.url === '/health' ||
  route.url === '/ready' ||
  route.url.startsWith('/docs') ||
  route.url === '/' ||
  route.url.startsWith('/dashboard/');

const LIMITS = { bodyLimitBytes: 64 * 1024, eventsBodyLimitBytes: 256 * 1024, uploadLimitBytes: 128 * 1024 };

/** A concrete path for a route pattern: parameters and wildcards become plain values. */
function concrete(url: string): string {
  const values: Record<string, string> = { kind: 'interactions', name: 'Interaction' };
  return url.replace(/:([A-Za-z_]+)/g, (_, name: string) => values[name] ?? 'x').replace(/\*/g, 'x');
}

const isUpload = (route: ApiRoute) => route.url.startsWith('/v1/uploads/');
const hasBody = (route: ApiRoute) => ['POST', 'PUT', 'PATCH'].includes(route.method);

function describeReply(route: ApiRoute, reply: HttpReply): string {
  return `${route.method} ${route.url} -> ${reply.status} ${reply.text.slice(0, 200)}`;
}

describe('security', () => {
  let s: ApiStack;
  let api: RunningApi;
  let routes: readonly ApiRoute[];

  beforeAll(async () => {
    s = await startApiStack({ clickhouse: true });
    api = await s.api({
      apiKey: WRITE_KEY,
      apiReadKey: READ_KEY,
      settings: { ...LIMITS, expensiveRateLimit: false },
    });
    routes = api.app.routes;
  }, 300_000);

  afterAll(async () => {
    await s?.stop();
  }, 120_000);

  it('every route but /health, /ready and /docs needs a key: 401 without one, 403 with a wrong one, 403 for the read key on writes', async () => {
    const guarded = routes.filter((r) => !OPEN(r));
    const open = routes.filter(OPEN);
    // The table is the real one: it holds the routes of every group.
    expect(guarded.length).toBeGreaterThan(20);
    for (const prefix of [
      '/v1/events',
      '/v1/sql',
      '/v1/uploads/',
      '/v1/features/',
      '/v1/training/runs',
      '/metrics',
    ]) {
      expect(guarded.some((r) => r.url.startsWith(prefix))).toBe(true);
    }
    // A route that checks no key must be one of the open ones, and vice versa.
    expect(guarded.filter((r) => r.access === 'open').map((r) => `${r.method} ${r.url}`)).toEqual([]);

    const failures: string[] = [];
    let requests = 0;
    for (const route of guarded) {
      const url = concrete(route.url);
      const probe = async (authorization: string | undefined, expected: number, what: string) => {
        requests++;
        const reply = await http(api.url, route.method, url, {
          authorization,
          ...(hasBody(route) && !isUpload(route) ? { json: {} } : {}),
        });
        if (reply.status !== expected) failures.push(`${what}: ${describeReply(route, reply)}`);
        else if (route.method !== 'HEAD') {
          const code = errorCode(reply);
          if (code !== (expected === 401 ? 'unauthorized' : 'forbidden'))
            failures.push(`${what}: error ${code}: ${describeReply(route, reply)}`);
          if (expected === 401 && !reply.headers.get('www-authenticate')?.startsWith('Bearer'))
            failures.push(`${what}: no WWW-Authenticate: Bearer: ${describeReply(route, reply)}`);
        }
      };
      await probe(undefined, 401, 'no key');
      await probe(`Basic ${Buffer.from(`user:${WRITE_KEY}`).toString('base64')}`, 401, 'not a bearer key');
      await probe(bearer(WRONG_KEY), 403, 'wrong key');
      await probe(bearer(WRITE_KEY.slice(0, -1)), 403, 'a prefix of the key');
      if (route.access === 'write') await probe(bearer(READ_KEY), 403, 'read key on a write route');
      else {
        requests++;
        const reply = await http(api.url, route.method, url, {
          authorization: bearer(READ_KEY),
          ...(hasBody(route) ? { json: {} } : {}),
        });
        if (reply.status === 401 || reply.status === 403)
          failures.push(`read key refused: ${describeReply(route, reply)}`);
      }
    }
    for (const route of open) {
      requests++;
      const reply = await http(api.url, route.method, concrete(route.url));
      if (reply.status === 401 || reply.status === 403)
        failures.push(`open route refused: ${describeReply(route, reply)}`);
    }
    expect(failures).toEqual([]);

    const writes = guarded.filter((r) => r.access === 'write').length;
    recordResult({
      id: 'security-auth-every-route',
      group: 'security',
      fault:
        'Requests without a key, with a non-Bearer or wrong key, a prefix of the key, and the read key on writes',
      injection: `Every route of the API's route table (api.app.routes, filled by an onRoute hook), with API_KEY and API_READ_KEY set`,
      mustHold:
        'No key or not Bearer: 401 with WWW-Authenticate: Bearer; wrong key: 403; read key on a write route: 403; only /health, /ready, /docs*, / and /dashboard/* are open',
      result: `${guarded.length} guarded routes (${writes} write, ${guarded.length - writes} read) and ${open.length} open ones, ${requests} requests: all answered as required`,
      figures: { guardedRoutes: guarded.length, writeRoutes: writes, openRoutes: open.length, requests },
    });
  });

  it('a body over its route limit is refused with 413, with or without a content-length', async () => {
    const withBody = routes.filter((r) => !OPEN(r) && hasBody(r));
    const failures: string[] = [];
    let checked = 0;
    for (const route of withBody) {
      const url = concrete(route.url);
      if (isUpload(route)) {
        const form = new FormData();
        form.append('file', new Blob([Buffer.alloc(LIMITS.uploadLimitBytes + 1, 'a')]), 'big.csv');
        const reply = await http(api.url, route.method, url, { raw: form, authorization: bearer(WRITE_KEY) });
        checked++;
        if (reply.status !== 413 || errorCode(reply) !== 'payload_too_large')
          failures.push(`upload: ${describeReply(route, reply)}`);
        continue;
      }
      // Valid JSON, one byte over the limit.
      const padding = route.bodyLimit + 1 - '{"pad":""}'.length;
      const body = `{"pad":"${'a'.repeat(padding)}"}`;
      expect(Buffer.byteLength(body)).toBe(route.bodyLimit + 1);
      const sized = await http(api.url, route.method, url, {
        raw: body,
        contentType: 'application/json',
        authorization: bearer(WRITE_KEY),
      });
      checked++;
      if (sized.status !== 413 || errorCode(sized) !== 'payload_too_large')
        failures.push(`content-length: ${describeReply(route, sized)}`);
      // The same bytes streamed in chunks, so the server only learns the size while reading.
      const chunks = body.match(/[\s\S]{1,16384}/g)!.map((c) => Buffer.from(c));
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      });
      const streamed = await http(api.url, route.method, url, {
        raw: stream,
        contentType: 'application/json',
        authorization: bearer(WRITE_KEY),
      }).catch((err: Error) => ({ status: -1, text: err.message }) as HttpReply);
      checked++;
      if (streamed.status !== 413) failures.push(`chunked: ${describeReply(route, streamed)}`);
    }
    expect(failures).toEqual([]);
    expect(withBody.some(isUpload)).toBe(true);
    recordResult({
      id: 'security-body-limits',
      group: 'security',
      fault:
        'Request bodies one byte over the limit (JSON with a content-length, JSON streamed without one, multipart uploads)',
      injection: `Every POST/PUT/PATCH route of the route table, limits set to ${LIMITS.bodyLimitBytes / 1024} KiB (JSON), ${LIMITS.eventsBodyLimitBytes / 1024} KiB (events, catalog) and ${LIMITS.uploadLimitBytes / 1024} KiB (uploads)`,
      mustHold: '413 payload_too_large, the body is not processed',
      result: `${withBody.length} routes, ${checked} oversized requests: all 413`,
      figures: { routes: withBody.length, requests: checked },
    });
  });

  it('SQL that writes is refused by ClickHouse (readonly = 1), in any spelling, and changes nothing', async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), 'reliability-sql-out-'));
    const sql = (query: string) =>
      http(api.url, 'POST', '/v1/sql', { json: { query }, authorization: bearer(WRITE_KEY) });
    const snapshot = async () => {
      const reply = await sql(
        `SELECT name, total_rows FROM system.tables WHERE database = 'recostream' ORDER BY name`,
      );
      expect(reply.status).toBe(200);
      return JSON.stringify((reply.body as { rows: unknown[] }).rows);
    };
    const before = await snapshot();

    const statements: ((kw: (w: string) => string, n: number) => string)[] = [
      (k) => `${k('INSERT INTO')} recostream.items (item_id) ${k('VALUES')} ('evil')`,
      (k) =>
        `${k('INSERT INTO')} recostream.interactions ${k('SELECT')} * ${k('FROM')} recostream.interactions`,
      (k) => `${k('ALTER TABLE')} recostream.items ${k('DELETE WHERE')} 1`,
      (k) => `${k('ALTER TABLE')} recostream.items ${k('ADD COLUMN')} evil String`,
      (k) => `${k('DROP TABLE')} recostream.users`,
      (k) => `${k('DROP DATABASE')} recostream`,
      (k) => `${k('TRUNCATE TABLE')} recostream.interactions`,
      (k) => `${k('CREATE TABLE')} recostream.evil (a Int8) ${k('ENGINE')} = Memory`,
      (k) => `${k('CREATE VIEW')} recostream.evil ${k('AS SELECT')} 1`,
      (k) => `${k('RENAME TABLE')} recostream.items ${k('TO')} recostream.items_gone`,
      (k) => `${k('OPTIMIZE TABLE')} recostream.interactions ${k('FINAL')}`,
      (k) => `${k('DETACH TABLE')} recostream.items`,
      (k) => `${k('SELECT')} 1 ${k('SETTINGS')} readonly = 0`,
      (k) => `${k('SELECT')} 1 ${k('SETTINGS')} max_result_rows = 0`,
      (k, n) => `${k('SELECT')} * ${k('FROM')} numbers(3) ${k('INTO OUTFILE')} '${outDir}/select-${n}.csv'`,
      (k, n) => `${k('SELECT')} 1 ${k('INTO OUTFILE')} '${outDir}/append-${n}.csv' ${k('APPEND')}`,
      (k, n) =>
        `${k('INSERT INTO FUNCTION')} file('${outDir}/function-${n}.csv', 'CSV', 'a String') ${k('VALUES')} ('x')`,
      (k) => `${k('SELECT')} * ${k('FROM')} file('/etc/hostname', 'LineAsString')`,
      (k) => `${k('SELECT')} * ${k('FROM')} executable('id', 'LineAsString', 'a String')`,
    ];
    // Lightweight DELETE and UPDATE never reach execution: the client appends the FORMAT clause of
    // the answer, which these statements do not take, so ClickHouse's parser refuses them (400).
    const unparseable: ((kw: (w: string) => string) => string)[] = [
      (k) => `${k('DELETE FROM')} recostream.items ${k('WHERE')} 1`,
      (k) => `${k('UPDATE')} recostream.items ${k('SET')} title = 'x' ${k('WHERE')} 1`,
    ];
    const caseOf = fc.constantFrom<(w: string) => string>(
      (w) => w,
      (w) => w.toLowerCase(),
      (w) => [...w].map((c, i) => (i % 2 ? c.toLowerCase() : c)).join(''),
    );
    const decoration = fc.constantFrom(
      ['', ''],
      ['/* x */ ', ''],
      ['-- c\n', ';'],
      ['\n\t ', ' ;'],
      ['', '  -- trailing'],
    );
    let refused = 0;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: statements.length - 1 }),
        caseOf,
        decoration,
        async (index, kw, [pre, post]) => {
          const query = `${pre}${statements[index]!(kw, n++)}${post}`;
          const reply = await sql(query);
          expect({ query, status: reply.status, error: errorCode(reply) }).toEqual({
            query,
            status: 403,
            error: 'read_only',
          });
          refused++;
        },
      ),
      { numRuns: 120 },
    );
    // Every statement once more in its plain spelling, whatever the random draw left out.
    for (const [index, statement] of statements.entries()) {
      const reply = await sql(statement((w) => w, 1000 + index));
      expect({ index, status: reply.status, error: errorCode(reply) }).toEqual({
        index,
        status: 403,
        error: 'read_only',
      });
      refused++;
    }
    for (const statement of unparseable) {
      const query = statement((w) => w);
      const reply = await sql(query);
      expect({ query, status: reply.status, error: errorCode(reply) }).toEqual({
        query,
        status: 400,
        error: 'invalid_query',
      });
      refused++;
    }
    expect(await snapshot()).toBe(before);
    expect(await readdir(outDir)).toEqual([]);
    await rm(outDir, { recursive: true, force: true });
    recordResult({
      id: 'security-sql-writes',
      group: 'security',
      fault:
        'SQL that writes: INSERT, ALTER, DELETE, DROP, TRUNCATE, CREATE, RENAME, OPTIMIZE, DETACH, SETTINGS readonly = 0, INTO OUTFILE (APPEND), INSERT INTO FUNCTION file(), file()/executable() table functions',
      injection: `POST /v1/sql with the write key (embedded chDB), ${statements.length} statements in random letter case with comments and semicolons (fast-check)`,
      mustHold:
        '403 read_only from ClickHouse readonly = 1 (INTO OUTFILE: refused before it runs); tables and row counts unchanged; no file written',
      result: `${refused} statements refused, tables unchanged, no file created`,
      figures: { refused, statements: statements.length },
    });
  });

  it('the broker, the registry and redis-server listen on loopback by default, and their help says how to expose them', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'reliability-bind-'));
    const broker = await startBroker({ port: 0, dataDir: path.join(dataDir, 'kafka'), logger: silentLogger });
    const registry = await startRegistry({ port: 0, log: new MemoryRegistryLog(), logger: silentLogger });
    const redis = await launchRedis({ dataDir: path.join(dataDir, 'redis'), logger: silentLogger });
    const refusedOn: string[] = [];
    try {
      expect(broker.bound.host).toBe('127.0.0.1');
      expect(registry.host).toBe('127.0.0.1');
      expect(redis.url).toContain('127.0.0.1');
      // Reaching them through another address of this machine fails: nothing listens there.
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      if (external) {
        for (const port of [broker.bound.port, registry.port, redis.port]) {
          const outcome = await new Promise<string>((resolve) => {
            const socket = connect(port, external);
            socket.once('connect', () => {
              socket.destroy();
              resolve('connected');
            });
            socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
          });
          expect(outcome).toBe('ECONNREFUSED');
          refusedOn.push(`${external}:${port}`);
        }
      }
    } finally {
      await redis.stop();
      await registry.close();
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
    for (const command of ['broker', 'registry']) {
      const help = spawnSync(process.execPath, [...entryPoint('cli/main.ts'), command, '--help'], {
        cwd: path.resolve(import.meta.dirname, '..', '..'),
        encoding: 'utf8',
      });
      expect(help.status).toBe(0);
      const text = help.stdout.replace(/\s+/g, ' ');
      expect(text).toContain('127.0.0.1 accepts clients on this machine only');
      expect(text).toContain('0.0.0.0');
    }
    recordResult({
      id: 'security-loopback-default',
      group: 'security',
      fault: 'Services reachable from the network by default',
      injection:
        'Broker, registry and redis-server started with default options; a TCP connect to each through a non-loopback address of the machine; `recostream broker|registry --help`',
      mustHold:
        'Bound to 127.0.0.1; connections through another address refused; the help says how to expose them (--host 0.0.0.0, no authentication)',
      result: external(refusedOn),
      figures: { refusedConnections: refusedOn.length },
    });
  });
});

function external(refused: string[]): string {
  return refused.length > 0
    ? `bound to 127.0.0.1; ${refused.length} connects through ${refused[0]!.split(':')[0]} refused (ECONNREFUSED); help names 0.0.0.0`
    : 'bound to 127.0.0.1 (no non-loopback address on this machine to try); help names 0.0.0.0';
}
