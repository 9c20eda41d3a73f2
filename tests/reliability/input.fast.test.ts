import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import avro from 'avsc';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server.js';
import { replayFile } from '../../replay/replay.js';
import { EVENT_TYPES } from '../../schemas/types.js';
import { TOPIC } from '../../topology/topics.js';
import { readTopic } from '../harness/kafka-io.js';
import { startApiStack, type ApiStack } from '../harness/api-stack.js';
import { bearer, errorCode, http, type HttpReply } from './http.js';
import { interactionProblems, itemProblems } from './invariants.js';
import { recordResult } from './results.js';

/**
 * Generated bad input at the HTTP API, through replay and at the schema registry. Every case: a
 * clear error (4xx with a reason) or a dead letter, never a 5xx, a crash or a hang, and nothing
 * accepted that breaks the schema or the normalisation rules.
 */

const WRITE_KEY = 'reliability-input-key-0123';

/** Values of every JSON type, with the awkward ones real clients send. */
const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '',
    ' ',
    'NaN',
    'Infinity',
    '-1',
    '1e309',
    '9999999999999999999999',
    '2024-02-30T00:00:00Z',
    '2024-06-01T10:00:00+02:00',
    '1717236000',
    '1717236000000',
    '4102444800000',
    '__proto__',
    'constructor',
    'x'.repeat(300),
    '\u0000',
    '\uFEFFview',
  ),
);
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }) },
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

/** A well-formed interaction in one of the accepted spellings. */
const plausibleEvent = fc.record({
  user_id: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.nat()),
  item_id: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.nat()),
  event_type: fc.constantFrom(...EVENT_TYPES),
  rating: fc.option(fc.double({ min: 1, max: 5, noNaN: true }), { nil: undefined }),
  event_time: fc.oneof(
    fc.integer({ min: 1_500_000_000_000, max: 1_750_000_000_000 }),
    fc
      .date({ min: new Date('2018-01-01'), max: new Date('2025-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  ),
  price: fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: undefined }),
});

/** Objects shaped like an interaction, with every field sometimes missing or of the wrong kind. */
const randomEvent = fc
  .record({
    user_id: maybe(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.nat(), value)),
    item_id: maybe(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.nat(), value)),
    product_id: maybe(value),
    event_type: maybe(fc.oneof(fc.constantFrom(...EVENT_TYPES, 'teleport', 'VIEW', 'Add To Cart'), value)),
    interaction_type: maybe(value),
    rating: maybe(fc.oneof(fc.double({ min: -10, max: 10 }), value)),
    event_time: maybe(value),
    timestamp: maybe(value),
    price: maybe(fc.oneof(fc.double({ min: -100, max: 1000 }), value)),
    event_id: maybe(value),
    session_id: maybe(value),
    device_type: maybe(value),
  })
  .chain((base) =>
    fc
      .dictionary(fc.string({ maxLength: 10 }), value, { maxKeys: 2 })
      .map((extra) => ({ ...extra, ...base })),
  );

/** Well-formed, well-formed with one or two fields replaced by anything, or random. */
const eventLike = fc.oneof(
  plausibleEvent,
  fc
    .tuple(
      plausibleEvent,
      fc.dictionary(
        fc.constantFrom(
          'user_id',
          'item_id',
          'event_type',
          'rating',
          'event_time',
          'price',
          'event_id',
          'constructor',
        ),
        value,
        { minKeys: 1, maxKeys: 2 },
      ),
    )
    .map(([event, broken]) => ({ ...event, ...broken })),
  randomEvent,
);

const itemLike = fc.record({
  item_id: maybe(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.nat(), value)),
  title: maybe(value),
  name: maybe(value),
  category: maybe(value),
  price: maybe(fc.oneof(fc.double({ min: -100, max: 1000 }), fc.constantFrom('19.90', '-1', 'abc'), value)),
  is_active: maybe(value),
  attributes: maybe(value),
  created_at: maybe(value),
});

function isErrorBody(reply: HttpReply): boolean {
  const b = reply.body as { error?: unknown; reason?: unknown } | null;
  return !!b && typeof b === 'object' && typeof b.error === 'string' && typeof b.reason === 'string';
}

describe('bad input', () => {
  let s: ApiStack;
  let api: RunningApi;

  beforeAll(async () => {
    s = await startApiStack();
    api = await s.api({ apiKey: WRITE_KEY, settings: { expensiveRateLimit: false, rateLimit: false } });
  }, 300_000);

  afterAll(async () => {
    await s?.stop();
  }, 120_000);

  it('HTTP bodies on POST /v1/events, /v1/items and /v1/validate: 202/200 or a 4xx with a reason; accepted records are valid, rejected ones are dead letters', async () => {
    const post = (path: string, body: { json?: unknown; raw?: string; contentType?: string }) =>
      http(api.url, 'POST', path, { ...body, authorization: bearer(WRITE_KEY) });
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const problems: string[] = [];
    const check = (what: string, reply: HttpReply, allowed: number[]) => {
      count(reply.status);
      if (!allowed.includes(reply.status))
        problems.push(`${what}: ${reply.status} ${reply.text.slice(0, 300)}`);
      else if (reply.status >= 400 && !isErrorBody(reply))
        problems.push(`${what}: no error body: ${reply.text.slice(0, 300)}`);
    };
    let eventsAccepted = 0;
    let eventsRejected = 0;
    let itemsAccepted = 0;
    let itemsRejected = 0;

    const tally = (reply: HttpReply, sent: unknown, kind: 'events' | 'items') => {
      if (reply.status !== 202 && reply.status !== 400) return;
      const elements = Array.isArray(sent) ? sent.length : 1;
      const body = reply.body as { accepted?: number; rejected?: { index: number; code: string }[] };
      if (body.rejected === undefined) {
        // /v1/items answers a single invalid object with a plain 400 (it was dead-lettered);
        // any other 400 without a list is about the body itself: nothing was read.
        const singleObject = sent !== null && typeof sent === 'object' && !Array.isArray(sent);
        if (
          kind === 'items' &&
          reply.status === 400 &&
          singleObject &&
          errorCode(reply) === 'validation_failed'
        )
          itemsRejected++;
        return;
      }
      const rejectedIndexes = new Set(body.rejected.map((r) => r.index));
      if ((body.accepted ?? 0) + rejectedIndexes.size !== elements)
        problems.push(
          `${kind}: ${body.accepted} accepted + ${rejectedIndexes.size} rejected != ${elements} sent`,
        );
      const produceFailed = body.rejected.filter((r) => r.code === 'produce_failed');
      if (produceFailed.length > 0) problems.push(`${kind}: produce_failed ${JSON.stringify(produceFailed)}`);
      if (kind === 'events') {
        eventsAccepted += body.accepted ?? 0;
        eventsRejected += rejectedIndexes.size;
      } else {
        itemsAccepted += body.accepted ?? 0;
        itemsRejected += rejectedIndexes.size;
      }
    };

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(eventLike, fc.array(eventLike, { minLength: 1, maxLength: 15 })),
        async (body) => {
          const reply = await post('/v1/events', { json: body });
          check('events', reply, [202, 400]);
          tally(reply, body, 'events');
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(itemLike, fc.array(itemLike, { minLength: 1, maxLength: 10 })),
        async (body) => {
          const reply = await post('/v1/items', { json: body });
          check('items', reply, [202, 400]);
          tally(reply, body, 'items');
        },
      ),
      { numRuns: 80 },
    );
    // Any JSON at all, and bodies that are not JSON.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/events', '/v1/items', '/v1/validate'),
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }).map((json) => ({ json })),
          fc.string({ maxLength: 200 }).map((raw) => ({ raw, contentType: 'application/json' })),
          fc.string({ maxLength: 50 }).map((raw) => ({ raw, contentType: 'text/plain' })),
          fc.constant({ raw: `${'['.repeat(5000)}${']'.repeat(5000)}`, contentType: 'application/json' }),
          fc.constant({
            raw: '{"__proto__":{"polluted":true},"user_id":"u","item_id":"i","event_type":"view"}',
            contentType: 'application/json',
          }),
        ),
        async (path, body) => {
          const reply = await post(path, body);
          check(`${path} any`, reply, path === '/v1/validate' ? [200, 400, 415] : [202, 400, 415]);
          if (path !== '/v1/validate') {
            if ('json' in body) tally(reply, body.json, path === '/v1/events' ? 'events' : 'items');
          }
        },
      ),
      { numRuns: 120 },
    );
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    // /v1/validate with generated records never produces anything.
    const before = await endTotal(s, TOPIC.interactions);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('interactions', 'items', 'users'),
        fc.array(fc.oneof(eventLike, itemLike), { minLength: 1, maxLength: 10 }),
        fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 2 }), {
          nil: undefined,
        }),
        async (kind, records, map) => {
          const reply = await post('/v1/validate', { json: { kind, records, ...(map ? { map } : {}) } });
          check('validate', reply, [200, 400]);
        },
      ),
      { numRuns: 80 },
    );
    expect(await endTotal(s, TOPIC.interactions)).toBe(before);
    expect(problems.slice(0, 10)).toEqual([]);

    // What reached the topics: exactly what was accepted, all of it valid; a dead letter per rejection.
    const events = (await readTopic(s.kafka, s.serde, TOPIC.interactions, 'Interaction')).filter(
      (r) => r.value.source === 'api',
    );
    expect(events.length).toBe(eventsAccepted);
    expect(events.flatMap((r) => interactionProblems(r.value)).slice(0, 10)).toEqual([]);
    expect(events.every((r) => r.key === r.value.user_id)).toBe(true);
    const items = (await readTopic(s.kafka, s.serde, TOPIC.items, 'Item')).filter(
      (r) => r.value.source === 'api',
    );
    expect(items.flatMap((r) => itemProblems(r.value)).slice(0, 10)).toEqual([]);
    const letters = (await readTopic(s.kafka, s.serde, TOPIC.deadLetters, 'DeadLetter')).filter(
      (r) => r.value.source === 'api',
    );
    expect(letters.filter((l) => l.value.topic === TOPIC.interactions).length).toBe(eventsRejected);
    expect(letters.filter((l) => l.value.topic === TOPIC.items).length).toBe(itemsRejected);
    expect(letters.every((l) => l.value.reason.length > 0 && l.value.raw.length > 0)).toBe(true);

    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    recordResult({
      id: 'input-http-bodies',
      group: 'input',
      fault:
        'Generated HTTP JSON bodies: interaction- and item-shaped objects with fields missing or of any JSON type, arrays of them, any JSON, non-JSON text, 5,000-deep arrays, __proto__ keys',
      injection: `fast-check, ${total} requests to POST /v1/events, /v1/items and /v1/validate (with the write key)`,
      mustHold:
        'Only 200/202 or 4xx with {error, field, reason}; accepted + rejected = sent; every accepted record on its topic decodes and follows the normalisation rules; one dead letter per rejected record; /v1/validate produces nothing; no prototype pollution',
      result: `${total} requests: ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([st, n]) => `${n}× ${st}`)
        .join(
          ', ',
        )}; ${eventsAccepted} events and ${itemsAccepted} items accepted, all valid; ${eventsRejected} events and ${itemsRejected} items rejected, each a dead letter; no 5xx`,
      figures: { requests: total, eventsAccepted, eventsRejected, itemsAccepted, itemsRejected },
    });
  });

  it('CSV rows through replay: every row is accepted, rejected (and dead-lettered) or a duplicate; accepted rows are valid', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'reliability-csv-'));
    const columns = [
      'user_id',
      'item_id',
      'event_type',
      'rating',
      'timestamp',
      'price',
      'event_id',
      'session_id',
      'notes',
    ];
    const cellFor = (column: string): fc.Arbitrary<string> => {
      const plausible: Record<string, fc.Arbitrary<string>> = {
        user_id: fc.nat({ max: 50 }).map((n) => `u${n}`),
        item_id: fc.nat({ max: 50 }).map(String),
        event_type: fc.constantFrom(...EVENT_TYPES, 'Add To Cart', 'teleport'),
        rating: fc.double({ min: 1, max: 5, noNaN: true }).map((r) => r.toFixed(1)),
        timestamp: fc.oneof(
          fc.integer({ min: 1_500_000_000, max: 1_750_000_000 }).map(String),
          fc
            .date({ min: new Date('2015-01-01'), max: new Date('2025-06-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
        ),
        price: fc.double({ min: 0, max: 500, noNaN: true }).map((p) => p.toFixed(2)),
        event_id: fc.nat({ max: 400 }).map((n) => `e${n}`),
        session_id: fc.string({ maxLength: 6 }),
        notes: fc.string({ maxLength: 10 }),
      };
      return fc.oneof(
        { weight: 30, arbitrary: plausible[column]! },
        { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            '',
            '""',
            '"',
            '"a""b"',
            'a,b',
            '"multi\nline"',
            '\r',
            '\u0000',
            'x'.repeat(500),
          ),
        },
      );
    };
    const required = ['user_id', 'item_id', 'event_type', 'timestamp'];
    const optional = columns.filter((c) => !required.includes(c));
    const headers = fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .shuffledSubarray(optional)
          .chain((rest) =>
            fc.shuffledSubarray([...required, ...rest], { minLength: required.length + rest.length }),
          ),
      },
      { weight: 1, arbitrary: fc.shuffledSubarray(columns, { minLength: 2 }) },
    );
    const file = headers.chain((header) =>
      fc.tuple(
        fc.constant(header),
        fc.array(
          fc.oneof(
            { weight: 8, arbitrary: fc.tuple(...header.map(cellFor)).map((cells) => cells.join(',')) },
            { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
            {
              weight: 1,
              arbitrary: fc.array(fc.string({ maxLength: 5 }), { maxLength: 12 }).map((c) => c.join(',')),
            },
          ),
          { minLength: 1, maxLength: 40 },
        ),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
      ),
    );
    let files = 0;
    let rows = 0;
    let accepted = 0;
    let rejected = 0;
    let duplicates = 0;
    const names: string[] = [];
    const paths = new Set<string>();
    await fc.assert(
      fc.asyncProperty(file, async ([header, lines, eol, bom]) => {
        const name = `fuzz-${files}.csv`;
        const filePath = path.join(dir, name);
        await writeFile(filePath, `${bom ? '\uFEFF' : ''}${[header.join(','), ...lines].join(eol)}${eol}`);
        const result = await replayFile({
          kind: 'interactions',
          input: filePath,
          name,
          sink: s.replaySink,
          force: true,
          batchSize: 50,
        });
        const r = result.report;
        expect(r.rows_read).toBe(r.accepted + r.rejected + r.duplicates);
        expect(r.produced).toBe(r.accepted);
        expect(r.dead_letters).toBe(r.rejected);
        files++;
        rows += r.rows_read;
        accepted += r.accepted;
        rejected += r.rejected;
        duplicates += r.duplicates;
        names.push(name);
        paths.add(filePath);
      }),
      { numRuns: 40 },
    );
    await rm(dir, { recursive: true, force: true });
    const sources = new Set(names.map((n) => `replay:${n}`));
    const events = (await readTopic(s.kafka, s.serde, TOPIC.interactions, 'Interaction')).filter((r) =>
      sources.has(r.value.source),
    );
    expect(events.length).toBe(accepted);
    expect(events.flatMap((r) => interactionProblems(r.value)).slice(0, 10)).toEqual([]);
    const letters = (await readTopic(s.kafka, s.serde, TOPIC.deadLetters, 'DeadLetter')).filter(
      (r) => r.value.file !== null && paths.has(r.value.file),
    );
    expect(letters.length).toBe(rejected);
    expect(letters.every((l) => l.value.reason.length > 0 && l.value.line !== null)).toBe(true);
    recordResult({
      id: 'input-csv-rows',
      group: 'input',
      fault:
        'Generated CSV files: random column subsets and order, plausible and garbage cells (quotes, embedded delimiters and line breaks, NUL, binary, 500-char cells), rows of the wrong width, BOM, LF/CRLF',
      injection: `fast-check, ${files} files through replayFile (the code of recostream replay) into the embedded broker`,
      mustHold:
        'rows read = accepted + rejected + duplicates; produced = accepted; one dead letter (with its line) per rejected row; every produced event decodes and follows the normalisation rules',
      result: `${files} files, ${rows} rows: ${accepted} accepted (all valid on the topic), ${rejected} rejected (${letters.length} dead letters), ${duplicates} duplicates`,
      figures: { files, rows, accepted, rejected, duplicates },
    });
  });

  it('registry requests with invalid schemas: a Confluent error (4xx with error_code), never a 5xx; whatever is registered parses as Avro', async () => {
    const registry = s.stack.registryUrl!;
    const avroName = fc.oneof(
      fc.constantFrom('Good', 'ns.Good', '1bad', 'bad-name', '', 'a.b.', 'x'.repeat(300)),
      fc.string({ maxLength: 8 }),
    );
    const avroType: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      type: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(
          'string',
          'int',
          'long',
          'null',
          'boolean',
          'bytes',
          'double',
          'float',
          'nosuch',
          'Good',
          42,
          null,
        ),
        fc.record(
          { type: fc.constant('record'), name: avroName, fields: fc.array(tie('field'), { maxLength: 4 }) },
          { requiredKeys: ['type'] },
        ),
        fc.record({
          type: fc.constant('enum'),
          name: avroName,
          symbols: fc.array(fc.oneof(fc.constantFrom('A', 'A', 'b-c', ''), fc.string({ maxLength: 4 })), {
            maxLength: 4,
          }),
        }),
        fc.record({
          type: fc.constant('fixed'),
          name: avroName,
          size: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.string({ maxLength: 3 })),
        }),
        fc.record({ type: fc.constant('array'), items: tie('type') }, { requiredKeys: ['type'] }),
        fc.record({ type: fc.constant('map'), values: tie('type') }),
        fc.array(tie('type'), { maxLength: 3 }),
        fc.record({
          type: fc.constantFrom('long', 'int', 'bytes', 'string'),
          logicalType: fc.constantFrom('timestamp-millis', 'decimal', 'date', 'uuid', 'bogus'),
        }),
      ),
      field: fc.record(
        {
          name: avroName,
          type: tie('type'),
          default: fc.jsonValue({ maxDepth: 1 }),
          aliases: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
        },
        { requiredKeys: ['name', 'type'] },
      ),
    })).type;
    const body = fc.oneof(
      { weight: 5, arbitrary: avroType.map((t) => ({ schema: JSON.stringify(t) })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 50 }).map((schema) => ({ schema })) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
      {
        weight: 1,
        arbitrary: fc.record({
          schema: fc.jsonValue({ maxDepth: 2 }),
          schemaType: fc.constantFrom('AVRO', 'PROTOBUF', 'JSON', 'XML', 7),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          schema: fc.constant(
            JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'ns.Missing' }] }),
          ),
          references: fc.array(
            fc.record({
              name: fc.string({ maxLength: 5 }),
              subject: fc.string({ maxLength: 5 }),
              version: fc.oneof(fc.integer(), fc.string({ maxLength: 3 })),
            }),
            { maxLength: 2 },
          ),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.nat({ max: 3000 }).map((depth) => ({
          schema: `${'{"type":"array","items":'.repeat(depth)}"int"${'}'.repeat(depth)}`,
        })),
      },
    );
    const statuses = new Map<number, number>();
    const registered: unknown[] = [];
    const problems: string[] = [];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('json', 'text'), async (b, as) => {
        const subject = `fuzz-${n++ % 7}`;
        const reply = await http(registry, 'POST', `/subjects/${subject}/versions`, {
          raw: as === 'json' ? JSON.stringify(b) : String(JSON.stringify(b)).slice(0, 40),
          contentType: as === 'json' ? 'application/vnd.schemaregistry.v1+json' : 'text/plain',
        });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (reply.status === 200) {
          registered.push(b);
          const schema = (b as { schema: string }).schema;
          try {
            avro.Type.forSchema(JSON.parse(schema) as avro.Schema, { registry: {} });
          } catch (err) {
            problems.push(
              `registered a schema avsc refuses (${(err as Error).message}): ${schema.slice(0, 200)}`,
            );
          }
        } else {
          const e = reply.body as { error_code?: unknown; message?: unknown };
          if (reply.status >= 500 || typeof e?.error_code !== 'number' || typeof e.message !== 'string')
            problems.push(
              `${reply.status} ${reply.text.slice(0, 300)} for ${JSON.stringify(b).slice(0, 200)}`,
            );
        }
      }),
      { numRuns: 250 },
    );
    expect(problems.slice(0, 10)).toEqual([]);
    // Still serving.
    const good = await http(registry, 'POST', '/subjects/fuzz-good/versions', {
      json: {
        schema: JSON.stringify({ type: 'record', name: 'Good', fields: [{ name: 'a', type: 'string' }] }),
      },
    });
    expect(good.status).toBe(200);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    recordResult({
      id: 'input-registry-schemas',
      group: 'input',
      fault:
        'Generated registry requests: random Avro-like schemas (bad names, duplicate enum symbols, negative fixed sizes, unknown types and logical types, defaults of any type, nested unions), non-JSON strings, any JSON, other schema types, dangling references, arrays nested up to 3,000 deep, text bodies',
      injection: `fast-check, ${total} POST /subjects/{s}/versions to the embedded registry`,
      mustHold:
        'Invalid: 4xx with Confluent {error_code, message}; no 5xx; everything registered parses with avsc; the registry keeps serving',
      result: `${total} requests: ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([st, k]) => `${k}× ${st}`)
        .join(', ')}; ${registered.length} registered, all valid Avro; no 5xx`,
      figures: { requests: total, registered: registered.length },
    });
  });
});

async function endTotal(s: ApiStack, topic: string): Promise<number> {
  const admin = s.kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}
