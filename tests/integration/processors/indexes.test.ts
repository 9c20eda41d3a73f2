import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../../api/server.js';
import { startProcessors, type RunningProcessors } from '../../../processors/start.js';
import type { Interaction } from '../../../schemas/types.js';
import { INDEX, indexComplete, readPopularItems, readPurchasedItems } from '../../../sinks/redis/indexes.js';
import { keys } from '../../../sinks/redis/keys.js';
import { dropVersionKeys, switchActiveVersion } from '../../../sinks/redis/versions.js';
import { startApiStack, type ApiStack } from '../../harness/api-stack.js';
import { makeDataset } from '../../harness/dataset.js';
import { produceInteractions, produceItems, waitForCaughtUp } from '../../harness/kafka-io.js';
import { computeFeatures } from '../../oracle/batch-features.js';
import { catalogOf, purchasedBy, rankByPopularity, rankingDifferences, type Ranked } from './oracle-check.js';

/**
 * The recommendation indexes the processors keep in Redis (sinks/redis/indexes.ts), on the real
 * broker, redis-server and processors: the popularity ranking equals the oracle's ranking of
 * popularity_score at the clock, as the clock moves past items that get no new events; the
 * purchase sets equal every user's purchases; recommendations leave purchases out from Redis alone
 * (this API has no ClickHouse); reprocessing, switching and dropping versions carry the indexes.
 */
describe('recommendation indexes', () => {
  const data = makeDataset({ users: 150, items: 250, events: 8000, days: 20, seed: 21, lateRate: 0 });
  const half = Math.floor(data.interactions.length / 2);
  const catalog = catalogOf(data.items);
  let s: ApiStack;
  let api: RunningApi;
  let v2: RunningProcessors | undefined;

  const oracleRanking = async (interactions: Interaction[], version = 'v1') => {
    const { clock } = await s.features.resolveVersion(version);
    return rankByPopularity(computeFeatures({ interactions, catalog }, clock!).items);
  };

  beforeAll(async () => {
    s = await startApiStack({ processors: true });
    api = await s.api();
    await produceItems(s.kafka, s.serde, data.items);
    await produceInteractions(s.kafka, s.serde, data.interactions.slice(0, half));
    await waitForCaughtUp(s.kafka, s.redis, 'v1');
  }, 300_000);

  afterAll(async () => {
    await v2?.stop();
    await s?.stop();
  }, 120_000);

  it('ranks every item as popularity_score at the clock does, before and after the clock moves on', async () => {
    const first = await readPopularItems(s.redis, 10_000);
    expect(first.version).toBe('v1');
    const want = await oracleRanking(data.interactions.slice(0, half));
    expect(first.items.length).toBeGreaterThan(100);
    expect(rankingDifferences(first.items, want).slice(0, 20)).toEqual([]);

    await produceInteractions(s.kafka, s.serde, data.interactions.slice(half));
    await waitForCaughtUp(s.kafka, s.redis, 'v1');
    const second = await readPopularItems(s.redis, 10_000);
    expect(second.clock).toBeGreaterThan(first.clock!);
    expect(rankingDifferences(second.items, await oracleRanking(data.interactions)).slice(0, 20)).toEqual([]);
  });

  it('its top N is the ranking of the items read through the feature reader', async () => {
    const ids = [...new Set(data.interactions.map((e) => e.item_id))];
    const records = await s.features.readItemFeatures(ids, { fields: ['popularity_score'] });
    const fromFeatures = rankByPopularity(records.map((r) => [r!.item_id, r!] as const));
    const top = await readPopularItems(s.redis, 25);
    expect(top.items).toHaveLength(25);
    expect(rankingDifferences(top.items, fromFeatures.slice(0, 25))).toEqual([]);
  });

  it("holds every user's purchased items", async () => {
    const purchased = purchasedBy(data.interactions);
    expect(purchased.size).toBeGreaterThan(50);
    expect(await indexComplete(s.redis, 'v1', INDEX.userPurchased)).toBe(true);
    for (const user of new Set(data.interactions.map((e) => e.user_id))) {
      const read = await readPurchasedItems(s.redis, user);
      expect(read.indexed).toBe(true);
      expect(new Set(read.items), user).toEqual(purchased.get(user) ?? new Set());
    }
  });

  it('recommendations leave out what the user purchased, read from Redis', async () => {
    const purchased = purchasedBy(data.interactions);
    const ranking = await oracleRanking(data.interactions);
    const top20 = new Set(ranking.slice(0, 20).map((r) => r.item_id));
    // The user who purchased the most of the 20 most popular items.
    const [buyer, bought] = [...purchased].sort(
      (a, b) => [...b[1]].filter((i) => top20.has(i)).length - [...a[1]].filter((i) => top20.has(i)).length,
    )[0]!;
    expect([...bought].filter((i) => top20.has(i)).length).toBeGreaterThan(0);

    const response = await fetch(`${api.url}/v1/users/${buyer}/recommendations?k=20`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      model: string;
      excluded_purchases: number;
      items: Ranked[];
    };
    expect(body.model).toBe('popularity');
    expect(body.excluded_purchases).toBe(bought.size);
    expect(body.items.filter((i) => bought.has(i.item_id))).toEqual([]);
    const expected = ranking.filter((r) => !bought.has(r.item_id)).slice(0, 20);
    expect(rankingDifferences(body.items, expected)).toEqual([]);
  });

  it('reprocessing builds a version with complete indexes; the switch moves readers; drop removes them', async () => {
    v2 = await startProcessors({
      which: 'all',
      version: 'v2',
      kafkaBrokers: [s.stack.brokers!],
      registryUrl: s.stack.registryUrl!,
      redisUrl: s.stack.redisUrl!,
      logger: s.stack.logger,
      dedupeHorizonDays: 30,
    });
    await waitForCaughtUp(s.kafka, s.redis, 'v2');
    expect(await indexComplete(s.redis, 'v2', INDEX.itemPopularity)).toBe(true);
    expect(await indexComplete(s.redis, 'v2', INDEX.userPurchased)).toBe(true);
    const v2Ranking = await readPopularItems(s.redis, 10_000, 'v2');
    expect(rankingDifferences(v2Ranking.items, await oracleRanking(data.interactions, 'v2'))).toEqual([]);

    await switchActiveVersion(s.redis, 'v2');
    expect((await readPopularItems(s.redis, 1)).version).toBe('v2');
    const buyer = [...purchasedBy(data.interactions)][0]!;
    expect((await readPurchasedItems(s.redis, buyer[0])).version).toBe('v2');

    await dropVersionKeys(s.redis, 'v1');
    expect(await s.redis.exists(keys.itemPopularity('v1'), keys.indexes('v1'))).toBe(0);
    const [, left] = await s.redis.scan('0', 'MATCH', keys.purchased('v1', '*'), 'COUNT', 100_000);
    expect(left).toEqual([]);
    expect(await s.redis.exists(keys.itemPopularity('v2'), keys.purchased('v2', buyer[0]))).toBe(2);
  });
});
