import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcessors, type RunningProcessors } from '../../../processors/start.js';
import { ensureTopics } from '../../../processors/topics.js';
import type { AvroSerde } from '../../../schemas/serde.js';
import type { Interaction } from '../../../schemas/types.js';
import { INDEX, indexComplete, readPopularItems, readPurchasedItems } from '../../../sinks/redis/indexes.js';
import { keys, type EntityKind } from '../../../sinks/redis/keys.js';
import { FORMAT1_FIELDS } from '../../../sinks/redis/legacy-state.js';
import { createFeatureReader, type FeatureReader } from '../../../sinks/redis/reader.js';
import { decodeItemState, decodeUserState, hashFormat } from '../../../sinks/redis/state-codec.js';
import { makeDataset } from '../../harness/dataset.js';
import { format1ItemFields, format1UserFields } from '../../harness/format1-state.js';
import { produceInteractions, produceItems, waitForCaughtUp } from '../../harness/kafka-io.js';
import { startStack, type Stack } from '../../harness/stack.js';
import { computeFeatures } from '../../oracle/batch-features.js';
import {
  catalogOf,
  purchasedBy,
  rankByPopularity,
  rankingDifferences,
  redisDifferences,
  type OracleInputs,
} from './oracle-check.js';

/**
 * A store written by an earlier recostream: entity states in format 1 (one hash field per
 * accumulator) and no recommendation indexes. On the real redis-server, broker and processors:
 * the reader reads it as the oracle computes it; the processors, started on it, rebuild the
 * popularity index from the stored states and rewrite each entity in format 2 on its next event —
 * the old fields gone — while entities without new events stay in format 1 and still read right.
 */
describe('a store written in state format 1', () => {
  const data = makeDataset({ users: 60, items: 90, events: 4000, days: 40, seed: 5, duplicateRate: 0.02 });
  const cut = Math.floor(data.interactions.length * 0.7);
  const before = data.interactions.slice(0, cut);
  // Only the first half of the users has events after the upgrade, so some users (and the items
  // only they touch) keep their format-1 state to the end.
  const later = new Set(Array.from({ length: 30 }, (_, i) => `user-${i}`));
  const after = data.interactions.slice(cut).filter((e) => later.has(e.user_id));
  const catalog = catalogOf(data.items);
  const inputs = (interactions: Interaction[]): OracleInputs => ({ interactions, catalog });

  let stack: Stack;
  let kafka: Kafka;
  let admin: Admin;
  let serde: AvroSerde;
  let redis: Redis;
  let reader: FeatureReader;
  let running: RunningProcessors | undefined;

  const start = () =>
    startProcessors({
      which: 'all',
      version: 'v1',
      kafkaBrokers: [stack.brokers!],
      registryUrl: stack.registryUrl!,
      redisUrl: stack.redisUrl!,
      logger: stack.logger,
      dedupeHorizonDays: 3650,
    });

  const idsOf = (events: Interaction[], field: 'user_id' | 'item_id') => [
    ...new Set(events.map((e) => e[field])),
  ];

  async function rewriteAsFormat1(kind: EntityKind, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const key = keys.entity('v1', kind, id);
      const hash = await redis.hgetallBuffer(key);
      const fields =
        kind === 'user'
          ? format1UserFields(decodeUserState(hash)!)
          : format1ItemFields(decodeItemState(hash)!);
      await redis.multi().del(key).hset(key, fields).exec();
    }
  }

  async function scanKeys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }

  beforeAll(async () => {
    stack = await startStack({ redis: true, broker: true, registry: true });
    kafka = stack.kafka();
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, 'v1');
    serde = stack.serde();
    redis = stack.redis();
    reader = createFeatureReader(redis);
    await produceItems(kafka, serde, data.items);
    await produceInteractions(kafka, serde, before);

    // The history an earlier recostream would have left: the processors' states, rewritten as
    // format-1 hashes, and none of the index keys.
    running = await start();
    await waitForCaughtUp(kafka, redis, 'v1');
    await running.stop();
    running = undefined;
    await rewriteAsFormat1('user', idsOf(before, 'user_id'));
    await rewriteAsFormat1('item', idsOf(before, 'item_id'));
    const indexKeys = [
      keys.itemPopularity('v1'),
      keys.indexes('v1'),
      ...(await scanKeys(keys.purchased('v1', '*'))),
    ];
    await redis.unlink(...indexKeys);
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
    await admin?.disconnect();
    await stack?.stop();
  });

  it('is read as the oracle computes it', async () => {
    for (const id of idsOf(before, 'user_id').slice(0, 10)) {
      expect(hashFormat(await redis.hgetallBuffer(keys.entity('v1', 'user', id)))).toBe(1);
    }
    expect(await redis.exists(keys.itemPopularity('v1'))).toBe(0);
    const result = await redisDifferences(reader, inputs(before));
    expect(result.users).toBe(idsOf(before, 'user_id').length);
    expect(result.diffs.slice(0, 20)).toEqual([]);
  });

  it('is upgraded to format 2 entity by entity as events arrive, and its indexes are rebuilt', async () => {
    running = await start();
    // The item processor rebuilt the popularity index from the format-1 states before consuming.
    expect(await indexComplete(redis, 'v1', INDEX.itemPopularity)).toBe(true);
    await produceInteractions(kafka, serde, after);
    await waitForCaughtUp(kafka, redis, 'v1');
    const all = [...before, ...after];
    // Re-sent copies of events applied before the upgrade change nothing and touch no entity.
    const appliedBefore = new Set(before.map((e) => e.event_id));
    const applied = after.filter((e) => !appliedBefore.has(e.event_id));

    const touched = { user: new Set(idsOf(applied, 'user_id')), item: new Set(idsOf(applied, 'item_id')) };
    const untouched = {
      user: idsOf(before, 'user_id').filter((id) => !touched.user.has(id)),
      item: idsOf(before, 'item_id').filter((id) => !touched.item.has(id)),
    };
    expect(untouched.user.length).toBeGreaterThan(0);
    expect(untouched.item.length).toBeGreaterThan(0);
    for (const kind of ['user', 'item'] as const) {
      for (const id of touched[kind]) {
        const fields = (await redis.hkeys(keys.entity('v1', kind, id))).sort();
        expect(fields, `${kind} ${id}`).toEqual(['format', 'state']);
      }
      for (const id of untouched[kind]) {
        const hash = await redis.hgetallBuffer(keys.entity('v1', kind, id));
        expect(hashFormat(hash), `${kind} ${id}`).toBe(1);
        expect(Object.keys(hash).every((f) => (FORMAT1_FIELDS as readonly string[]).includes(f))).toBe(true);
      }
    }

    const result = await redisDifferences(reader, inputs(all));
    expect(result.diffs.slice(0, 20)).toEqual([]);

    const oracle = computeFeatures(inputs(all), result.clock);
    const index = await readPopularItems(redis, 10_000);
    expect(index.clock).toBe(result.clock);
    expect(rankingDifferences(index.items, rankByPopularity(oracle.items)).slice(0, 20)).toEqual([]);

    // Purchases cannot be rebuilt from the states: the version's purchase index stays incomplete
    // (the API then asks ClickHouse), holding what was purchased since the upgrade.
    expect(await indexComplete(redis, 'v1', INDEX.userPurchased)).toBe(false);
    const sinceUpgrade = purchasedBy(applied);
    for (const id of touched.user) {
      const read = await readPurchasedItems(redis, id);
      expect(read.indexed).toBe(false);
      expect(new Set(read.items), `user ${id}`).toEqual(sinceUpgrade.get(id) ?? new Set());
    }
  });
});
