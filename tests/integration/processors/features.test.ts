import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../embedded/redis/launcher.js';
import { metricsRegistry } from '../../../lib/metrics.js';
import { ensureTopics } from '../../../processors/topics.js';
import { startProcessors, type RunningProcessors } from '../../../processors/start.js';
import type { AvroSerde } from '../../../schemas/serde.js';
import { createFeatureReader, type FeatureReader } from '../../../sinks/redis/reader.js';
import { keys } from '../../../sinks/redis/keys.js';
import { listVersions } from '../../../sinks/redis/versions.js';
import { TOPIC, userFeaturesTopic } from '../../../topology/topics.js';
import { makeDataset } from '../../harness/dataset.js';
import {
  produceInteractions,
  produceItems,
  produceMessages,
  readTopic,
  waitForCaughtUp,
} from '../../harness/kafka-io.js';
import { spawnCli } from '../../harness/processes.js';
import { startStack, type Stack } from '../../harness/stack.js';
import {
  featureTopicDifferences,
  oracleInputs,
  redisDifferences,
  type OracleInputs,
} from './oracle-check.js';

/**
 * The processors end to end on the real broker, registry and redis-server: every feature of every
 * user and item, in Redis and in the feature topics, equals the independent batch oracle; bad
 * input is dead-lettered; a second replay of the same events changes nothing; reprocessing into
 * v2 gives the same features and the switch moves readers.
 */
describe('feature processors', () => {
  // 45 days with late events: windows, pruning and late arrivals all matter. The horizon covers
  // the whole data set so every copy is recognised, as the oracle assumes.
  const data = makeDataset({ users: 300, items: 400, events: 20_000, days: 45, seed: 11 });
  const horizonDays = 3650;
  let stack: Stack;
  let kafka: Kafka;
  let admin: Admin;
  let serde: AvroSerde;
  let redis: Redis;
  let reader: FeatureReader;
  let running: RunningProcessors | undefined;
  let input: OracleInputs;

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
    input = oracleInputs(data.interactions, data.items);

    const half = Math.floor(data.interactions.length / 2);
    await produceInteractions(kafka, serde, data.interactions.slice(0, half));
    // Four kinds of bad input in the middle of the stream.
    const good = data.interactions[0]!;
    await produceMessages(kafka, TOPIC.interactions, [
      { key: 'user-1', value: Buffer.from('not avro at all') },
      {
        key: 'someone-else',
        value: await serde.encode(TOPIC.interactions, 'Interaction', { ...good, event_id: 'bad-key' }),
      },
      {
        key: good.user_id,
        value: await serde.encode(TOPIC.interactions, 'Interaction', {
          ...good,
          event_id: 'bad-rating',
          rating: 9,
        }),
      },
      { key: good.user_id, value: Buffer.from([0, 0, 1, 0x86, 0xa0, 2, 4]) },
    ]);
    running = await startProcessors({
      which: 'all',
      version: 'v1',
      kafkaBrokers: [stack.brokers!],
      registryUrl: stack.registryUrl!,
      redisUrl: stack.redisUrl!,
      logger: stack.logger,
      dedupeHorizonDays: horizonDays,
    });
    await produceInteractions(kafka, serde, data.interactions.slice(half));
    await waitForCaughtUp(kafka, redis, 'v1');
  });

  afterAll(async () => {
    await running?.stop();
    await admin?.disconnect();
    await stack?.stop();
  });

  it('Redis equals the batch oracle for every user and item at the pipeline clock', async () => {
    const result = await redisDifferences(reader, input);
    expect(result.users).toBeGreaterThan(200);
    expect(result.diffs.slice(0, 20)).toEqual([]);
  });

  it('the latest feature-topic record of every entity equals the oracle at its as_of', async () => {
    expect((await featureTopicDifferences(kafka, serde, input)).slice(0, 20)).toEqual([]);
  });

  it('dead-letters bad input with raw bytes, topic, partition, offset and reason, and goes on', async () => {
    const letters = (await readTopic(kafka, serde, TOPIC.deadLetters, 'DeadLetter')).map((r) => r.value);
    const mine = letters.filter((l) => l.source === 'processor:user-features');
    expect(mine.map((l) => l.reason.split(':')[0]).sort()).toEqual([
      'invalid_interaction',
      'key_mismatch',
      'not_confluent_wire_format',
      'unknown_schema_id',
    ]);
    expect(mine).toHaveLength(4);
    const garbage = mine.find((l) => l.reason.startsWith('not_confluent_wire_format'))!;
    expect(garbage.raw.toString()).toBe('not avro at all');
    expect(garbage.raw_key?.toString()).toBe('user-1');
    expect(garbage.topic).toBe(TOPIC.interactions);
    expect(garbage.partition).not.toBeNull();
    expect(garbage.offset).not.toBeNull();
    expect(mine.find((l) => l.reason.startsWith('invalid_interaction'))!.field).toBe('rating');
    expect(mine.find((l) => l.reason.startsWith('key_mismatch'))!.field).toBe('user_id');
  });

  it('counts applied events, dead letters and batches in the metrics; lag 0; the clock', async () => {
    const value = async (name: string, labels: Record<string, string>) => {
      const metric = await metricsRegistry.getSingleMetric(name)!.get();
      return metric.values
        .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
        .reduce((sum, v) => sum + v.value, 0);
    };
    const distinct = new Set(data.interactions.map((e) => e.event_id)).size;
    const v1 = { version: 'v1' };
    expect(await value('recostream_events_processed_total', { ...v1, processor: 'user-features' })).toBe(
      distinct,
    );
    expect(await value('recostream_events_processed_total', { ...v1, processor: 'item-features' })).toBe(
      distinct,
    );
    expect(
      await value('recostream_duplicate_events_skipped_total', { ...v1, processor: 'user-features' }),
    ).toBe(data.interactions.length - distinct);
    expect(await value('recostream_dead_letters_total', { ...v1, processor: 'user-features' })).toBe(4);
    expect(await value('recostream_batches_total', { ...v1, processor: 'item-features' })).toBeGreaterThan(0);
    expect(await value('recostream_consumer_lag', { ...v1, processor: 'user-features' })).toBe(0);
    const { clock } = await reader.resolveVersion('v1');
    expect(await value('recostream_pipeline_clock_ms', v1)).toBe(clock);
    expect(await metricsRegistry.metrics()).toMatch(
      /recostream_freshness_seconds\{processor="user-features",version="v1"\} \d+/,
    );
  });

  it('replaying the same events again (new offsets, same event_ids) changes no feature', async () => {
    const before = await reader.readUserFeatures(['user-0', 'user-1', 'user-2']);
    const offsetsBefore = await redis.mget(keys.offset('v1', 'user-features', TOPIC.interactions, 0));
    await produceInteractions(kafka, serde, data.interactions.slice(0, 8000));
    await waitForCaughtUp(kafka, redis, 'v1');
    const offsetsAfter = await redis.mget(keys.offset('v1', 'user-features', TOPIC.interactions, 0));
    expect(Number(offsetsAfter[0])).toBeGreaterThan(Number(offsetsBefore[0]));
    expect(await reader.readUserFeatures(['user-0', 'user-1', 'user-2'])).toEqual(before);
    expect((await redisDifferences(reader, input)).diffs.slice(0, 20)).toEqual([]);
  });

  it('`recostream features` prints what the reader returns', async () => {
    const child = spawnCli(
      ['features', 'user', 'user-0', 'user-1', '--fields', 'total_interactions,recent_items'],
      stack.env(),
    );
    expect((await child.exited).code, child.output()).toBe(0);
    const printed = JSON.parse(
      child
        .output()
        .split('\n')
        .filter((l) => !l.startsWith('npm warn'))
        .join('\n'),
    ) as unknown;
    expect(printed).toEqual(
      await reader.readUserFeatures(['user-0', 'user-1'], { fields: ['total_interactions', 'recent_items'] }),
    );
    // An unknown id prints null (the JSON stays parseable) and says why on stderr.
    const absent = spawnCli(['features', 'user', 'nobody'], stack.env());
    expect((await absent.exited).code).toBe(1);
    expect(absent.output()).toMatch(/^null$/m);
    expect(absent.output()).toMatch(/user "nobody": no features in version v1/);
    const unknown = spawnCli(['features', 'item', 'item-0', '--fields', 'nope'], stack.env());
    expect((await unknown.exited).code).not.toBe(0);
    expect(unknown.output()).toMatch(/unknown field\(s\) nope/);
  });

  it('`recostream features` and `versions` name an unreachable Redis at once instead of retrying', async () => {
    const nothing = `redis://127.0.0.1:${await freePort()}`;
    for (const args of [['features', 'user', 'user-0'], ['versions']]) {
      const child = spawnCli(args, stack.env({ REDIS_URL: nothing }));
      expect((await child.exited).code).toBe(1);
      expect(child.output()).toContain(`Redis at ${nothing} is unreachable (connect ECONNREFUSED`);
    }
  });

  it('reprocess v2 gives identical features; --switch moves readers to v2; versions lists and drops', async () => {
    const child = spawnCli(
      ['reprocess', '--version', 'v2', '--switch', '--exit', '--interval', '500'],
      stack.env({ DEDUPE_HORIZON_DAYS: String(horizonDays) }),
    );
    const exit = await child.exited;
    expect(exit.code, child.output()).toBe(0);
    expect(child.output()).toMatch(/readers switched: active version v1 -> v2/);

    const v1 = await redisDifferences(reader, input, { version: 'v1' });
    const v2 = await redisDifferences(reader, input, { version: 'v2' });
    expect(v2.diffs.slice(0, 20)).toEqual([]);
    expect(v2.clock).toBe(v1.clock);
    const ids = ['user-0', 'user-5', 'user-17'];
    const strip = (r: object | null) => (r ? { ...r, version: '', updated_at: 0 } : r);
    expect((await reader.readUserFeatures(ids, { version: 'v2' })).map(strip)).toEqual(
      (await reader.readUserFeatures(ids, { version: 'v1' })).map(strip),
    );
    const active = await reader.readUserFeatures(['user-0']);
    expect(active[0]?.version).toBe('v2');

    const versions = await listVersions(redis);
    expect(versions.map((v) => [v.version, v.active])).toEqual([
      ['v1', false],
      ['v2', true],
    ]);
    const list = spawnCli(['versions', '--json'], stack.env());
    expect((await list.exited).code, list.output()).toBe(0);
    const listed = JSON.parse(
      list
        .output()
        .split('\n')
        .filter((l) => !l.startsWith('npm warn'))
        .join('\n'),
    ) as {
      version: string;
      active: boolean;
      clock: number;
    }[];
    expect(listed.map((v) => [v.version, v.active, v.clock])).toEqual([
      ['v1', false, v1.clock],
      ['v2', true, v2.clock],
    ]);
    const refuse = spawnCli(['versions', 'drop', 'v2'], stack.env());
    expect((await refuse.exited).code).not.toBe(0);
    expect(refuse.output()).toMatch(/v2 is active/);
  });

  it('drops an old version: keys, topics and groups', async () => {
    await running!.stop();
    running = undefined;
    const drop = spawnCli(['versions', 'drop', 'v1'], stack.env());
    expect((await drop.exited).code, drop.output()).toBe(0);
    const [cursor, found] = await redis.scan('0', 'MATCH', keys.versionPattern('v1'), 'COUNT', 10_000);
    expect([cursor, found.length]).toEqual(['0', 0]);
    const topics = await admin.listTopics();
    expect(topics).not.toContain(userFeaturesTopic('v1'));
    expect(topics).toContain(userFeaturesTopic('v2'));
    expect((await listVersions(redis)).map((v) => v.version)).toEqual(['v2']);
  });
});
