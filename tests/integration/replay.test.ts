import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayFile, type ReplayOptions } from '../../replay/index.js';
import { createKafkaReplaySink } from '../../replay/kafka-sink.js';
import type { ReplaySink } from '../../replay/sink.js';
import { deriveEventId } from '../../schemas/normalise/index.js';
import { AvroSerde } from '../../schemas/serde.js';
import type { DeadLetter, Interaction, Item, RecordName, RecordTypes, User } from '../../schemas/types.js';
import { createTopics, endOffsetTotal } from '../harness/kafka-io.js';
import { startStack, type Stack } from '../harness/stack.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'replay');

let stack: Stack;
let kafka: Kafka;
let sink: ReplaySink;
let work: string;

beforeAll(async () => {
  stack = await startStack({ broker: true, registry: true });
  kafka = stack.kafka('replay-test');
  await createTopics(kafka);
  sink = await createKafkaReplaySink({
    brokers: [stack.brokers!],
    registryUrl: stack.registryUrl!,
    logger: stack.logger,
  });
  work = path.join(stack.dataDir, 'replay');
  await mkdir(work);
});

afterAll(async () => {
  await sink?.close();
  await stack?.stop();
});

/**
 * Reads a topic from the beginning with a kafkajs consumer and decodes with the serde, keeping
 * the records `keep` selects, until `count` of them arrived (or the timeout).
 */
async function readBack<N extends RecordName>(
  kafka: Kafka,
  registryUrl: string,
  topic: string,
  record: N,
  keep: (value: RecordTypes[N], key: string | null) => boolean,
  count: number,
  timeoutMs = 30_000,
): Promise<{ key: string | null; value: RecordTypes[N] }[]> {
  const serde = new AvroSerde({ url: registryUrl });
  const consumer = kafka.consumer({ groupId: `replay-test-${randomUUID()}` });
  const out: { key: string | null; value: RecordTypes[N] }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${out.length} of ${count} records arrived from ${topic}`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const value = await serde.decode(record, message.value!);
            const key = message.key?.toString() ?? null;
            if (keep(value, key)) out.push({ key, value });
            if (out.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Copies a fixture under a new name, so each test's events carry their own source. */
async function fixture(name: string, as: string): Promise<string> {
  const target = path.join(work, as);
  await copyFile(path.join(FIXTURES, name), target);
  return target;
}

/** A fixture with a trailing blank line: the same rows, another checksum (not "already replayed"). */
async function variant(name: string, as: string): Promise<string> {
  const target = path.join(work, as);
  await writeFile(target, Buffer.concat([await readFile(path.join(FIXTURES, name)), Buffer.from('\n')]));
  return target;
}

function replay(options: Omit<ReplayOptions, 'sink' | 'logger'>) {
  return replayFile({ ...options, sink, logger: stack.logger });
}

async function interactionsOf(file: string, count: number): Promise<Interaction[]> {
  const got = await readBack(
    kafka,
    stack.registryUrl!,
    'interactions',
    'Interaction',
    (v) => v.source === `replay:${file}`,
    count,
  );
  for (const { key, value } of got) expect(key).toBe(value.user_id);
  return got
    .map((g) => g.value)
    .sort((a, b) => a.event_time - b.event_time || a.event_id.localeCompare(b.event_id));
}

const utc = (iso: string): number => Date.parse(iso);

function interaction(
  source: string,
  e: Partial<Interaction> & Pick<Interaction, 'user_id' | 'item_id' | 'event_type' | 'event_time'>,
): Interaction {
  const base = {
    rating: null,
    session_id: null,
    device_type: null,
    page_context: null,
    price: null,
    ...e,
  };
  return {
    event_id:
      e.event_id ??
      deriveEventId({
        user_id: base.user_id,
        item_id: base.item_id,
        event_type: base.event_type,
        event_time: base.event_time,
        rating: base.rating,
        session_id: base.session_id,
      }),
    user_id: base.user_id,
    item_id: base.item_id,
    event_type: base.event_type,
    rating: base.rating,
    event_time: base.event_time,
    session_id: base.session_id,
    device_type: base.device_type,
    page_context: base.page_context,
    price: base.price,
    source: `replay:${source}`,
    ingest_time: expect.any(Number) as unknown as number,
  };
}

describe('replay into the broker, read back with a consumer', () => {
  it('RecoMart ratings (user_id,item_id,rating,timestamp in epoch seconds) become rate events', async () => {
    const file = await fixture('recomart-ratings.csv', 'recomart-ratings.csv');
    const result = await replay({ kind: 'interactions', input: file });
    expect(result.status).toBe('completed');
    const s = 'recomart-ratings.csv';
    expect(await interactionsOf(s, 3)).toEqual([
      interaction(s, {
        user_id: '1',
        item_id: '101',
        event_type: 'rate',
        rating: 4,
        event_time: 1704067200_000,
      }),
      interaction(s, {
        user_id: '1',
        item_id: '102',
        event_type: 'rate',
        rating: 5,
        event_time: 1704153600_000,
      }),
      interaction(s, {
        user_id: '2',
        item_id: '101',
        event_type: 'rate',
        rating: 3.5,
        event_time: 1704240000_000,
      }),
    ]);
  });

  it('streaming events with event_type and offset-less timestamps (UTC)', async () => {
    const file = await fixture('streaming-events.csv', 'streaming-events.csv');
    await replay({ kind: 'interactions', input: file });
    const s = 'streaming-events.csv';
    expect(await interactionsOf(s, 4)).toEqual([
      interaction(s, {
        user_id: '7',
        item_id: '501',
        event_type: 'click',
        event_time: utc('2024-03-01T09:00:00Z'),
      }),
      interaction(s, {
        user_id: '7',
        item_id: '501',
        event_type: 'add_to_cart',
        event_time: utc('2024-03-01T09:01:30Z'),
      }),
      interaction(s, {
        user_id: '7',
        item_id: '501',
        event_type: 'purchase',
        event_time: utc('2024-03-01T09:05:00Z'),
      }),
      interaction(s, {
        user_id: '8',
        item_id: '502',
        event_type: 'click',
        event_time: utc('2024-03-01T10:00:00Z'),
      }),
    ]);
  });

  it('the SaaS pipeline: interactions with interaction_type, items with title', async () => {
    const file = await fixture('saas-interactions.csv', 'saas-interactions.csv');
    await replay({ kind: 'interactions', input: file });
    const s = 'saas-interactions.csv';
    expect(await interactionsOf(s, 3)).toEqual([
      interaction(s, {
        user_id: 'user_001',
        item_id: 'item_1234',
        event_type: 'purchase',
        rating: 5,
        event_time: utc('2025-01-01T10:00:00Z'),
      }),
      interaction(s, {
        user_id: 'user_002',
        item_id: 'item_5678',
        event_type: 'view',
        event_time: utc('2025-01-01T10:05:00Z'),
      }),
      interaction(s, {
        user_id: 'user_001',
        item_id: 'item_1234',
        event_type: 'like',
        event_time: utc('2025-01-01T10:10:00Z'),
      }),
    ]);

    const items = await fixture('saas-items.csv', 'saas-items.csv');
    await replay({ kind: 'items', input: items });
    const got = await readBack(
      kafka,
      stack.registryUrl!,
      'items',
      'Item',
      (v) => v.source === 'replay:saas-items.csv',
      3,
    );
    const byId = Object.fromEntries(got.map(({ key, value }) => [key, value]));
    expect(byId['item_5678']).toEqual({
      item_id: 'item_5678',
      title: 'Smart Watch',
      category: 'Wearables',
      subcategory: null,
      brand: 'Apple',
      price: 299.99,
      description: null,
      is_active: true,
      attributes: {},
      created_at: null,
      source: 'replay:saas-items.csv',
      ingest_time: expect.any(Number),
    } satisfies Item);
    expect(Object.keys(byId).sort()).toEqual(['item_1234', 'item_5678', 'item_9012']);
  });

  it('RecoMart transactions with view_mode', async () => {
    const file = await fixture('transactions.csv', 'transactions.csv');
    await replay({ kind: 'interactions', input: file });
    const s = 'transactions.csv';
    expect(await interactionsOf(s, 3)).toEqual([
      interaction(s, {
        user_id: '1001',
        item_id: '150',
        event_type: 'purchase',
        rating: 5,
        event_time: utc('2026-01-27T10:30:00Z'),
      }),
      interaction(s, {
        user_id: '1001',
        item_id: '151',
        event_type: 'view',
        event_time: utc('2026-01-27T10:31:00Z'),
      }),
      interaction(s, {
        user_id: '1002',
        item_id: '150',
        event_type: 'add_to_cart',
        event_time: utc('2026-01-27T11:00:00Z'),
      }),
    ]);
  });

  it('AWS interactions with interaction_id, product_id, session_id, device_type, page_context (CSV and gzipped NDJSON)', async () => {
    const file = await fixture('aws-interactions.csv', 'aws-interactions.csv');
    await replay({ kind: 'interactions', input: file });
    const s = 'aws-interactions.csv';
    const common = {
      user_id: 'user_789',
      item_id: 'prod_456',
      session_id: 'sess_abc123',
      device_type: 'mobile',
    };
    expect(await interactionsOf(s, 4)).toEqual([
      // 15:00+02:00 is 13:00 UTC: the first event in time.
      interaction(s, {
        event_id: 'int_12348',
        user_id: 'user_790',
        item_id: 'prod_999',
        event_type: 'view',
        event_time: utc('2024-01-15T13:00:00Z'),
        session_id: 'sess_def456',
        device_type: 'desktop',
        page_context: 'search',
      }),
      interaction(s, {
        ...common,
        event_id: 'int_12345',
        event_type: 'view',
        event_time: utc('2024-01-15T14:30:00Z'),
        page_context: 'homepage',
      }),
      interaction(s, {
        ...common,
        event_id: 'int_12346',
        event_type: 'add_to_cart',
        event_time: utc('2024-01-15T14:32:00Z'),
        page_context: 'product_page',
      }),
      interaction(s, {
        ...common,
        event_id: 'int_12347',
        event_type: 'purchase',
        rating: 4.5,
        event_time: utc('2024-01-15T14:35:00Z'),
        page_context: 'product_page',
      }),
    ]);

    const gz = path.join(work, 'aws-interactions.ndjson.gz');
    await writeFile(gz, gzipSync(await readFile(path.join(FIXTURES, 'aws-interactions.ndjson'))));
    const result = await replay({ kind: 'interactions', input: gz });
    expect([result.report.format, result.report.compression, result.report.accepted]).toEqual([
      'ndjson',
      'gzip',
      2,
    ]);
    const g = 'aws-interactions.ndjson.gz';
    expect(await interactionsOf(g, 2)).toEqual([
      interaction(g, {
        event_id: 'int_22345',
        user_id: 'user_789',
        item_id: 'prod_456',
        event_type: 'view',
        event_time: utc('2024-01-16T14:30:00Z'),
        session_id: 'sess_x1',
        device_type: 'tablet',
        page_context: 'search',
      }),
      interaction(g, {
        event_id: 'int_22346',
        user_id: 'user_789',
        item_id: 'prod_457',
        event_type: 'purchase',
        rating: 4.5,
        event_time: utc('2024-01-16T14:40:00Z'),
        session_id: 'sess_x1',
        device_type: 'tablet',
        page_context: 'product_page',
      }),
    ]);
  });

  it('products.json (a JSON array) becomes items, extra fields kept in attributes', async () => {
    const file = await fixture('products.json', 'products.json');
    const result = await replay({ kind: 'items', input: file });
    expect(result.report.format).toBe('json');
    const got = await readBack(
      kafka,
      stack.registryUrl!,
      'items',
      'Item',
      (v) => v.source === 'replay:products.json',
      2,
    );
    const byId = Object.fromEntries(got.map(({ key, value }) => [key, value]));
    expect(byId['1']).toEqual({
      item_id: '1',
      title: null,
      category: "men's clothing",
      subcategory: null,
      brand: 'Fjallraven',
      price: 109.95,
      description: null,
      is_active: true,
      attributes: { rating: '3.9', in_stock: 'true' },
      created_at: null,
      source: 'replay:products.json',
      ingest_time: expect.any(Number),
    } satisfies Item);
    expect(byId['2']!.attributes).toEqual({ rating: '4.1', in_stock: 'false' });
  });

  it('RecoMart users, and a MovieLens file through --map', async () => {
    const users = await fixture('recomart-users.csv', 'recomart-users.csv');
    await replay({ kind: 'users', input: users });
    const got = await readBack(
      kafka,
      stack.registryUrl!,
      'users',
      'User',
      (v) => v.source === 'replay:recomart-users.csv',
      2,
    );
    const u = got.map((g) => g.value).find((v) => v.user_id === '1002')!;
    expect(u).toEqual({
      user_id: '1002',
      age: 35,
      age_group: '35-44',
      gender: 'F',
      location: null,
      device: 'Desktop',
      segment: null,
      join_date: null,
      attributes: {},
      source: 'replay:recomart-users.csv',
      ingest_time: expect.any(Number),
    } satisfies User);

    const ml = await fixture('movielens-ratings.csv', 'movielens-ratings.csv');
    const result = await replay({
      kind: 'interactions',
      input: ml,
      columnMap: { userId: 'user_id', movieId: 'item_id' },
    });
    expect(result.report.rejected).toBe(0);
    const s = 'movielens-ratings.csv';
    expect(await interactionsOf(s, 2)).toEqual([
      interaction(s, {
        user_id: '1',
        item_id: '31',
        event_type: 'rate',
        rating: 2.5,
        event_time: 1260759144_000,
      }),
      interaction(s, {
        user_id: '1',
        item_id: '1029',
        event_type: 'rate',
        rating: 3,
        event_time: 1260759179_000,
      }),
    ]);
  });

  it('rejects every bad row with its line and reason, writes each to dead-letters, keeps the count identity', async () => {
    const file = await fixture('bad-interactions.csv', 'bad-interactions.csv');
    const result = await replay({ kind: 'interactions', input: file });
    const r = result.report;
    expect([r.rows_read, r.accepted, r.rejected, r.duplicates]).toEqual([14, 2, 11, 1]);
    expect(r.rows_read).toBe(r.accepted + r.rejected + r.duplicates);
    expect(r.duplicate_example_lines).toEqual([14]);
    const expected: Record<number, [string | null, string, string]> = {
      3: ['user_id', 'required', 'user_id is required'],
      4: ['item_id', 'required', 'item_id is required'],
      5: ['event_type', 'unknown_event_type', 'unknown event_type "teleport"'],
      6: ['rating', 'out_of_range', 'rating 7 is outside 1.0–5.0'],
      7: ['rating', 'not_a_number', '"great" is not a number'],
      8: ['rating', 'required', 'rating is required for event_type rate'],
      9: ['event_time', 'invalid_timestamp', '"31/12/2023" is not an ISO 8601 timestamp'],
      10: ['event_time', 'future_timestamp', 'more than 1 day in the future'],
      11: ['event_time', 'required', 'event_time is required'],
      12: ['price', 'out_of_range', 'price -5 is negative'],
      13: [null, 'malformed_csv', 'expected 7 columns (as in the header), found 4'],
    };
    const reported = Object.fromEntries(
      r.rejected_by_reason.flatMap((g) => g.example_lines.map((line) => [line, [g.field, g.code]])),
    );
    expect(reported).toEqual(Object.fromEntries(Object.entries(expected).map(([l, [f, c]]) => [l, [f, c]])));

    const letters = await readBack(
      kafka,
      stack.registryUrl!,
      'dead-letters',
      'DeadLetter',
      (v) => v.source === 'replay:bad-interactions.csv',
      11,
    );
    const lines = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '').split('\r\n');
    for (const { key, value } of letters) {
      const d: DeadLetter = value;
      expect(key).toBe('replay:bad-interactions.csv');
      const [field, , reason] = expected[d.line!]!;
      expect(d.field, `line ${d.line}`).toBe(field);
      expect(d.reason).toContain(reason);
      expect(d.raw.toString('utf8')).toBe(lines[d.line! - 1]);
      expect(d.file).toBe(file);
    }
    expect(letters.map((l) => l.value.line).sort((a, b) => a! - b!)).toEqual(
      Object.keys(expected).map(Number),
    );

    // The quoted value holding the delimiter survives: item "i;2".
    const ok = await interactionsOf('bad-interactions.csv', 2);
    expect(ok.map((e) => [e.event_id, e.user_id, e.item_id, e.price])).toEqual([
      ['e1', 'u1', 'i1', null],
      ['e13', 'u2', 'i;2', 12.5],
    ]);
  });

  it('refuses to replay the same file again unless --force, through the replay-manifests topic', async () => {
    const file = await variant('streaming-events.csv', 'again.csv');
    const first = await replay({ kind: 'interactions', input: file });
    expect(first.status).toBe('completed');
    expect(first.manifest).toMatchObject({ status: 'completed', accepted: 4, file_name: 'again.csv' });
    const before = await endOffsetTotal(kafka, 'interactions');

    const second = await replay({ kind: 'interactions', input: file });
    expect(second.status).toBe('already_replayed');
    expect(second.exitCode).toBe(3);
    expect(second.message).toMatch(/again\.csv .* was already replayed as interactions .*Use --force/);
    expect(await endOffsetTotal(kafka, 'interactions')).toBe(before);

    const forced = await replay({ kind: 'interactions', input: file, force: true });
    expect(forced.status).toBe('completed');
    expect(forced.manifest!.forced).toBe(true);
    expect(await endOffsetTotal(kafka, 'interactions')).toBe(before + 4);
    // Same content, same event ids: the processors count each event once.
    const events = await interactionsOf('again.csv', 8);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(4);
  });

  it('--min-quality refuses a poor file before producing anything', async () => {
    const file = await variant('bad-interactions.csv', 'gate.csv');
    const before = {
      interactions: await endOffsetTotal(kafka, 'interactions'),
      deadLetters: await endOffsetTotal(kafka, 'dead-letters'),
      manifests: await endOffsetTotal(kafka, 'replay-manifests'),
    };
    const result = await replay({ kind: 'interactions', input: file, minQuality: 70 });
    expect(result.status).toBe('below_min_quality');
    expect(result.exitCode).toBe(2);
    expect(result.report.quality.score).toBeLessThan(70);
    expect(result.message).toMatch(/below --min-quality 70; nothing was produced/);
    expect({
      interactions: await endOffsetTotal(kafka, 'interactions'),
      deadLetters: await endOffsetTotal(kafka, 'dead-letters'),
      manifests: await endOffsetTotal(kafka, 'replay-manifests'),
    }).toEqual(before);
  });
});
