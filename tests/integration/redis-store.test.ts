import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.js';
import { createRedis } from '../../lib/redis.js';
import { loadState, TxConnection, writeState } from '../../processors/runtime/state-io.js';
import { planBatch } from '../../processors/runtime/plan.js';
import { userFeaturesSpec } from '../../processors/specs/user-features.js';
import { itemFeaturesSpec } from '../../processors/specs/item-features.js';
import { createFeatureReader } from '../../sinks/redis/reader.js';
import { keys } from '../../sinks/redis/keys.js';
import {
  ActiveVersionError,
  dropVersionKeys,
  listVersions,
  registerVersion,
  switchActiveVersion,
} from '../../sinks/redis/versions.js';
import { startStack, type Stack } from '../harness/stack.js';
import { DAY, HOUR, T0, event, records } from '../unit/processors/helpers.js';

/**
 * The Redis state store against a real redis-server: a batch loaded and written through the
 * runtime's two round trips, read back through the feature reader (with the auto-pipelining
 * client the API uses), versions, and WATCH stopping a second writer of the same partition.
 */
describe('Redis state store and feature reader', () => {
  let stack: Stack;
  let redisUrl: string;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startStack({ redis: true });
    redisUrl = stack.redisUrl!;
    redis = createRedis(redisUrl, silentLogger);
  });

  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  const ref = (version: string) => ({ version, topic: 'interactions', partition: 0 });

  async function applyBatch(version: string, events: ReturnType<typeof event>[], firstOffset: number) {
    const tx = new TxConnection(createRedis(redisUrl, silentLogger, { enableAutoPipelining: false }));
    const input = records(events, firstOffset);
    const loaded = await loadState(tx, userFeaturesSpec, ref(version), input, false);
    const plan = planBatch(input, loaded.state, {
      spec: userFeaturesSpec,
      version,
      dedupeHorizonMs: 30 * DAY,
      now: T0 + 1,
      repartitioned: false,
    });
    const result = await writeState(tx, userFeaturesSpec, ref(version), plan, loaded.epoch);
    tx.redis.disconnect();
    return { plan, result };
  }

  it('writes a batch and reads full features back, windows evaluated at the current clock', async () => {
    await registerVersion(redis, 'v1');
    await applyBatch(
      'v1',
      [
        event({ user_id: 'alice', item_id: 'i1', event_time: T0 - 2 * HOUR }),
        event({
          user_id: 'alice',
          item_id: 'i2',
          event_time: T0 - HOUR / 2,
          event_type: 'purchase',
          price: 12.5,
        }),
        event({ user_id: 'bob', item_id: 'i1', event_time: T0, rating: 4, event_type: 'rate' }),
      ],
      0,
    );
    const reader = createFeatureReader(redis);
    const [alice, nobody, bob] = await reader.readUserFeatures(['alice', 'nobody', 'bob']);
    expect(nobody).toBeNull();
    expect(alice).toMatchObject({
      user_id: 'alice',
      version: 'v1',
      as_of: T0,
      updated_at: T0 + 1,
      total_interactions: 2,
      unique_items: 2,
      cnt_1h: 1,
      cnt_24h: 2,
      n_purchase: 1,
      monetary_value: 12.5,
      recent_items: ['i2', 'i1'],
      conversion_rate: 1,
    });
    expect(bob).toMatchObject({ avg_rating: 4, rating_count: 1, cnt_1h: 1 });

    // Another user's event an hour later moves the clock: alice's 1h window empties on read.
    await applyBatch('v1', [event({ user_id: 'carol', event_time: T0 + HOUR })], 3);
    const [later] = await reader.readUserFeatures(['alice']);
    expect(later).toMatchObject({ as_of: T0 + HOUR, cnt_1h: 0, cnt_24h: 2 });
    const [picked] = await reader.readUserFeatures(['alice'], { fields: ['cnt_24h', 'recent_items'] });
    expect(picked).toEqual({ user_id: 'alice', cnt_24h: 2, recent_items: ['i2', 'i1'] });
  });

  it('skips a redelivered batch by its stored offset and keeps the clock monotonic', async () => {
    const again = await applyBatch('v1', [event({ user_id: 'alice', event_time: T0 - 5 * DAY })], 3);
    expect(again.plan.applied).toHaveLength(0);
    expect(again.plan.skipped.belowStoredOffset).toBe(1);
    const late = await applyBatch('v1', [event({ user_id: 'dave', event_time: T0 - 5 * DAY })], 4);
    expect(late.plan.applied).toHaveLength(1);
    expect(Number(await redis.zscore(keys.clock('v1'), 'clock'))).toBe(T0 + HOUR);
    expect(await redis.get(keys.offset('v1', 'user-features', 'interactions', 0))).toBe('4');
  });

  it('aborts the write of a batch whose partition offset another writer moved (WATCH)', async () => {
    const zombie = new TxConnection(createRedis(redisUrl, silentLogger, { enableAutoPipelining: false }));
    const input = records([event({ user_id: 'erin', event_time: T0 })], 5);
    const loaded = await loadState(zombie, userFeaturesSpec, ref('v1'), input, false);
    // The partition's new owner applies the same offsets first.
    const owner = await applyBatch('v1', [event({ user_id: 'erin', event_time: T0 })], 5);
    expect(owner.result).toBe('applied');
    const plan = planBatch(input, loaded.state, {
      spec: userFeaturesSpec,
      version: 'v1',
      dedupeHorizonMs: 30 * DAY,
      now: T0,
      repartitioned: false,
    });
    expect(await writeState(zombie, userFeaturesSpec, ref('v1'), plan, loaded.epoch)).toBe('conflict');
    zombie.redis.disconnect();
    const [erin] = await createFeatureReader(redis).readUserFeatures(['erin']);
    expect(erin?.total_interactions).toBe(1);
  });

  it('resolves the active version atomically, lists versions, and drops only a non-active one', async () => {
    await registerVersion(redis, 'v2');
    await applyBatch('v2', [event({ user_id: 'alice', event_time: T0 + 2 * HOUR })], 0);
    const reader = createFeatureReader(redis);
    expect((await reader.readUserFeatures(['alice']))[0]?.version).toBe('v1');
    await switchActiveVersion(redis, 'v2');
    const [alice] = await reader.readUserFeatures(['alice']);
    expect(alice).toMatchObject({ version: 'v2', total_interactions: 1 });
    expect((await reader.readUserFeatures(['alice'], { version: 'v1' }))[0]?.total_interactions).toBe(2);
    expect((await listVersions(redis)).map((v) => [v.version, v.active, v.clock])).toEqual([
      ['v1', false, T0 + HOUR],
      ['v2', true, T0 + 2 * HOUR],
    ]);
    await expect(dropVersionKeys(redis, 'v2')).rejects.toThrow(ActiveVersionError);
    expect(await dropVersionKeys(redis, 'v1')).toBeGreaterThan(5);
    expect(await reader.readUserFeatures(['alice'], { version: 'v1' })).toEqual([null]);
    expect((await listVersions(redis)).map((v) => v.version)).toEqual(['v2']);
  });

  it('reads items, and loads the script again after SCRIPT FLUSH', async () => {
    const tx = new TxConnection(createRedis(redisUrl, silentLogger, { enableAutoPipelining: false }));
    const input = records([event({ item_id: 'hot', event_type: 'purchase', event_time: T0 + 2 * HOUR })], 0);
    const itemRef = { version: 'v2', topic: 'interactions-by-item', partition: 0 };
    const loaded = await loadState(tx, itemFeaturesSpec, itemRef, input, true);
    const plan = planBatch(input, loaded.state, {
      spec: itemFeaturesSpec,
      version: 'v2',
      dedupeHorizonMs: 30 * DAY,
      now: T0,
      repartitioned: true,
    });
    expect(await writeState(tx, itemFeaturesSpec, itemRef, plan, loaded.epoch)).toBe('applied');
    tx.redis.disconnect();
    await redis.script('FLUSH');
    const [hot] = await createFeatureReader(redis).readItemFeatures(['hot']);
    expect(hot).toMatchObject({
      item_id: 'hot',
      version: 'v2',
      popularity_score: 5,
      purchase_rate: null,
      unique_users: 1,
    });
  });
});
