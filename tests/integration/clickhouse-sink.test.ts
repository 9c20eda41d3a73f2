import type { Kafka } from 'kafkajs';
import avro from 'avsc';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseHandle } from '../../lib/clickhouse.js';
import { HealthRegistry } from '../../lib/health.js';
import { avroSchema } from '../../schemas/avro.js';
import { frame, type AvroSerde } from '../../schemas/serde.js';
import type { DeadLetter, Item, TrainingRun, User } from '../../schemas/types.js';
import { sinkMetrics } from '../../sinks/clickhouse/metrics.js';
import { startClickHouseSink, type ClickHouseSink } from '../../sinks/clickhouse/sink.js';
import { itemFeaturesTopic, TOPIC, userFeaturesTopic } from '../../topology/topics.js';
import { selectRows } from '../harness/clickhouse.js';
import {
  createTopics,
  endOffsetTotal,
  produceMessages,
  produceRecords,
  waitForCommitted,
  waitUntil,
} from '../harness/kafka-io.js';
import { interaction, itemFeatures, userFeatures } from '../harness/records.js';
import { startStack, type Stack } from '../harness/stack.js';
import { SAMPLES } from '../unit/schemas/samples.js';

/**
 * The sink in this process against the stack's broker, registry and ClickHouse: every topic
 * lands in its table with every column, rejects become dead letters (never a dead letter about a
 * dead letter), new feature versions are picked up, and a ClickHouse or a registry that fails for
 * a while costs nothing.
 */
describe('ClickHouse sink', () => {
  let stack: Stack;
  let kafka: Kafka;
  let serde: AvroSerde;
  let ch: ClickHouseHandle;
  let sink: ClickHouseSink;
  const groupId = 'ch-sink-test';
  const metricsRegistry = new Registry();
  const health = new HealthRegistry();

  beforeAll(async () => {
    stack = await startStack({ broker: true, registry: true, clickhouse: true });
    kafka = stack.kafka('ch-sink-test');
    serde = stack.serde();
    await createTopics(kafka, ['v1', 'v2']);
    ch = await stack.openClickHouse();
    sink = await startClickHouseSink({
      kafka,
      serde,
      clickhouse: ch.client,
      registryUrl: stack.registryUrl!,
      logger: stack.logger,
      groupId,
      lingerMs: 200,
      topicRefreshMs: 500,
      retryInitialMs: 100,
      retryMaxMs: 1000,
      metrics: sinkMetrics(metricsRegistry),
      health,
    });
  });

  afterAll(async () => {
    await sink?.stop();
    await stack?.stop();
  });

  const allSourceTopics = () => sink.health().topics;

  it('stores every topic in its table with every column', async () => {
    const events = Array.from({ length: 400 }, (_, k) => interaction(k));
    await produceRecords(
      kafka,
      serde,
      TOPIC.interactions,
      'Interaction',
      events.map((e) => ({ key: e.user_id, value: e })),
    );
    const items: Item[] = [SAMPLES.Item, { ...SAMPLES.Item, item_id: 'i-gone', title: 'to delete' }];
    await produceRecords(kafka, serde, TOPIC.items, 'Item', [
      ...items.map((i) => ({ key: i.item_id, value: i })),
      { key: 'i-gone', value: null },
    ]);
    const users: User[] = [SAMPLES.User, { ...SAMPLES.User, user_id: 'u2', age: null, attributes: {} }];
    await produceRecords(
      kafka,
      serde,
      TOPIC.users,
      'User',
      users.map((u) => ({ key: u.user_id, value: u })),
    );
    const run: TrainingRun = SAMPLES.TrainingRun;
    await produceRecords(kafka, serde, TOPIC.trainingRuns, 'TrainingRun', [
      { key: run.run_id, value: { ...run, status: 'running', finished_at: null } },
      { key: run.run_id, value: run },
    ]);
    const replayDeadLetter: DeadLetter = SAMPLES.DeadLetter;
    await produceRecords(kafka, serde, TOPIC.deadLetters, 'DeadLetter', [
      { key: replayDeadLetter.source, value: replayDeadLetter },
    ]);
    // Two versions of the features of one user and one item.
    for (const v of ['v1', 'v2']) {
      const totals = v === 'v1' ? [1, 2, 3] : [1, 2];
      await produceRecords(
        kafka,
        serde,
        userFeaturesTopic(v),
        'UserFeatures',
        totals.map((t) => ({ key: 'u1', value: userFeatures('u1', v, t) })),
      );
      await produceRecords(
        kafka,
        serde,
        itemFeaturesTopic(v),
        'ItemFeatures',
        totals.map((t) => ({ key: 'i1', value: itemFeatures('i1', v, t) })),
      );
    }

    await waitForCommitted(kafka, groupId, allSourceTopics());

    const [counts] = await selectRows<{ n: number; ids: number }>(
      ch.client,
      `SELECT count() AS n, uniqExact(event_id) AS ids FROM recostream.interactions FINAL`,
    );
    expect(counts).toEqual({ n: 400, ids: 400 });
    const stored = await selectRows(
      ch.client,
      `SELECT event_id, user_id, item_id, event_type, rating, toUnixTimestamp64Milli(event_time) AS event_time, session_id,
              device_type, page_context, price, source, toUnixTimestamp64Milli(ingest_time) AS ingest_time
       FROM recostream.interactions FINAL ORDER BY toUInt32(substring(event_id, 3))`,
    );
    expect(stored).toEqual(events);
    const months = await selectRows<{ p: string }>(
      ch.client,
      `SELECT DISTINCT partition AS p FROM system.parts WHERE database = 'recostream' AND table = 'interactions' AND active ORDER BY p`,
    );
    expect(months.map((m) => m.p)).toEqual(['202401', '202402']);

    // Every column, times back to epoch milliseconds: what was produced is what is stored.
    const currentItems = await selectRows(
      ch.client,
      `SELECT * EXCEPT (kafka_partition, kafka_offset, inserted_at, created_at, ingest_time),
              toUnixTimestamp64Milli(created_at) AS created_at, toUnixTimestamp64Milli(ingest_time) AS ingest_time
       FROM recostream.items_current`,
    );
    expect(currentItems).toEqual([SAMPLES.Item]);
    const currentUsers = await selectRows(
      ch.client,
      `SELECT * EXCEPT (kafka_partition, kafka_offset, inserted_at, join_date, ingest_time),
              toUnixTimestamp64Milli(join_date) AS join_date, toUnixTimestamp64Milli(ingest_time) AS ingest_time
       FROM recostream.users_current ORDER BY user_id`,
    );
    expect(currentUsers).toEqual(users);
    const runs = await selectRows(
      ch.client,
      `SELECT * EXCEPT (kafka_partition, kafka_offset, inserted_at, is_deleted, snapshot_clock, started_at, finished_at),
              toUnixTimestamp64Milli(snapshot_clock) AS snapshot_clock, toUnixTimestamp64Milli(started_at) AS started_at,
              toUnixTimestamp64Milli(finished_at) AS finished_at
       FROM recostream.training_runs FINAL`,
    );
    expect(runs).toEqual([run]);
    const latestUser = await selectRows(
      ch.client,
      `SELECT * EXCEPT (kafka_partition, kafka_offset, inserted_at, as_of, updated_at, first_event_time, last_event_time),
              toUnixTimestamp64Milli(as_of) AS as_of, toUnixTimestamp64Milli(updated_at) AS updated_at,
              toUnixTimestamp64Milli(first_event_time) AS first_event_time, toUnixTimestamp64Milli(last_event_time) AS last_event_time
       FROM recostream.user_features_latest WHERE version = 'v1'`,
    );
    expect(latestUser).toEqual([userFeatures('u1', 'v1', 3)]);

    const history = await selectRows(
      ch.client,
      `SELECT version, total_interactions FROM recostream.user_features FINAL ORDER BY version, total_interactions`,
    );
    expect(history).toEqual([
      { version: 'v1', total_interactions: 1 },
      { version: 'v1', total_interactions: 2 },
      { version: 'v1', total_interactions: 3 },
      { version: 'v2', total_interactions: 1 },
      { version: 'v2', total_interactions: 2 },
    ]);
    const latest = await selectRows(
      ch.client,
      `SELECT version, item_id, total_interactions, ctr, trending_score FROM recostream.item_features_latest ORDER BY version`,
    );
    expect(latest).toEqual([
      { version: 'v1', item_id: 'i1', total_interactions: 3, ctr: 1 / 3, trending_score: null },
      { version: 'v2', item_id: 'i1', total_interactions: 2, ctr: 1 / 2, trending_score: 7 },
    ]);
    const dl = await selectRows(
      ch.client,
      `SELECT source, reason, field, raw, file, line FROM recostream.dead_letters FINAL`,
    );
    expect(dl).toEqual([
      {
        source: replayDeadLetter.source,
        reason: replayDeadLetter.reason,
        field: replayDeadLetter.field,
        raw: replayDeadLetter.raw.toString(),
        file: replayDeadLetter.file,
        line: replayDeadLetter.line,
      },
    ]);
    const metrics = await metricsRegistry.getSingleMetricAsString(
      'recostream_clickhouse_sink_rows_inserted_total',
    );
    expect(metrics).toMatch(/table="interactions"} 400/);
  });

  it('dead-letters what it cannot store, and stores a broken dead letter directly instead of looping', async () => {
    const deadLettersBefore = await endOffsetTotal(kafka, TOPIC.deadLetters);
    // Confluent framing with a schema id the registry does not know (the registry is up).
    const garbage = Buffer.from([0x00, 0x7f, 0xff, 0xff, 0xf0, 0xff, 0xfe]);
    await produceMessages(kafka, TOPIC.interactions, [
      { key: 'u-bad', value: Buffer.from('not avro at all') },
    ]);
    await produceRecords(kafka, serde, TOPIC.interactions, 'Interaction', [
      { key: 'u-far', value: { ...interaction(9999), user_id: 'u-far', event_time: Date.UTC(2400, 0, 1) } },
    ]);
    await produceMessages(kafka, TOPIC.deadLetters, [{ key: 'someone', value: garbage }]);

    await waitUntil(
      async () => (await endOffsetTotal(kafka, TOPIC.deadLetters)) === deadLettersBefore + 3,
      'the dead letters of the sink',
      60_000,
    );
    await waitForCommitted(kafka, groupId, allSourceTopics());

    const rows = await selectRows<{
      source: string;
      reason: string;
      field: string | null;
      topic: string;
      raw_hex: string;
      raw_key: string | null;
    }>(
      ch.client,
      `SELECT source, reason, field, topic, hex(raw) AS raw_hex, raw_key FROM recostream.dead_letters FINAL
       WHERE source = 'sink:clickhouse' ORDER BY topic, reason`,
    );
    expect(rows).toHaveLength(3);
    const [broken, farFuture, notAvro] = [
      rows.find((r) => r.topic === TOPIC.deadLetters)!,
      rows.find((r) => r.field === 'event_time')!,
      rows.find((r) => r.reason.startsWith('not_confluent_wire_format'))!,
    ];
    expect(broken).toMatchObject({ raw_hex: garbage.toString('hex').toUpperCase(), raw_key: 'someone' });
    expect(broken.reason).toMatch(/^unknown_schema_id: /);
    expect(farFuture.reason).toMatch(/^clickhouse_unrepresentable_value: event_time/);
    expect(notAvro).toMatchObject({
      raw_hex: Buffer.from('not avro at all').toString('hex').toUpperCase(),
      raw_key: 'u-bad',
    });
    // Exactly two dead letters were published (about the two interactions); none about the broken one.
    expect(await endOffsetTotal(kafka, TOPIC.deadLetters)).toBe(deadLettersBefore + 3);
    const [{ n }] = (await selectRows<{ n: number }>(
      ch.client,
      `SELECT count() AS n FROM recostream.interactions FINAL WHERE user_id IN ('u-bad', 'u-far')`,
    )) as [{ n: number }];
    expect(n).toBe(0);
  });

  it('picks up the feature topics of a version created while it runs', async () => {
    await createTopics(kafka, ['v3']);
    await produceRecords(kafka, serde, userFeaturesTopic('v3'), 'UserFeatures', [
      { key: 'u7', value: userFeatures('u7', 'v3', 4) },
    ]);
    await waitUntil(
      () => sink.health().topics.includes(userFeaturesTopic('v3')),
      'the sink to subscribe to v3',
      60_000,
    );
    await waitForCommitted(kafka, groupId, allSourceTopics());
    const rows = await selectRows(
      ch.client,
      `SELECT user_id, total_interactions FROM recostream.user_features_latest WHERE version = 'v3'`,
    );
    expect(rows).toEqual([{ user_id: 'u7', total_interactions: 4 }]);
  });

  it('pauses while ClickHouse cannot write, reports unhealthy, and resumes without losing anything', async () => {
    const restore = await stack.makeTableUnwritable(ch.client, 'interactions');
    let restored = false;
    try {
      const first = Array.from({ length: 150 }, (_, k) => ({
        ...interaction(20_000 + k),
        user_id: 'u-outage',
      }));
      await produceRecords(
        kafka,
        serde,
        TOPIC.interactions,
        'Interaction',
        first.map((e) => ({ key: e.user_id, value: e })),
      );
      await waitUntil(() => !sink.health().healthy, 'the sink to report unhealthy', 60_000);
      const failing = sink.health();
      expect(failing.state).toBe('retrying');
      expect(failing.lastError).toBeTruthy();
      expect(await metricsRegistry.getSingleMetricAsString('recostream_clickhouse_sink_healthy')).toMatch(
        / 0$/m,
      );

      // More events while it is down; it keeps retrying with backoff meanwhile.
      const second = Array.from({ length: 150 }, (_, k) => ({
        ...interaction(20_150 + k),
        user_id: 'u-outage',
      }));
      await produceRecords(
        kafka,
        serde,
        TOPIC.interactions,
        'Interaction',
        second.map((e) => ({ key: e.user_id, value: e })),
      );
      await waitUntil(() => sink.health().consecutiveFailures >= 3, 'a few failed retries', 60_000);
      expect(sink.health().healthy).toBe(false);

      await restore();
      restored = true;
      await waitForCommitted(kafka, groupId, allSourceTopics());
      await waitUntil(() => sink.health().healthy, 'the sink to report healthy again', 60_000);
      const [row] = await selectRows<{ n: number; ids: number }>(
        ch.client,
        `SELECT count() AS n, uniqExact(event_id) AS ids FROM recostream.interactions FINAL WHERE user_id = 'u-outage'`,
      );
      expect(row).toEqual({ n: 300, ids: 300 });
      expect(sink.health()).toMatchObject({ state: 'running', lastError: null, consecutiveFailures: 0 });
      expect(health.get('clickhouse-sink')).toMatchObject({ healthy: true, reason: null });
    } finally {
      if (!restored) await restore();
    }
  });

  it('waits for the schema registry instead of dead-lettering records it cannot resolve while it is down', async () => {
    // A newer writer schema of Interaction (an added optional field), registered while the registry is up.
    // Registered over HTTP, not through the sink's registry client, which would cache it.
    const evolved = avroSchema('Interaction') as unknown as { fields: object[] };
    const writer = {
      ...evolved,
      fields: [...evolved.fields, { name: 'campaign', type: ['null', 'string'], default: null }],
    };
    const res = await fetch(`${stack.registryUrl}/subjects/interactions-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(writer) }),
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: number };
    const writerType = avro.Type.forSchema(writer as unknown as avro.Schema);
    const events = Array.from({ length: 20 }, (_, k) => ({
      ...interaction(30_000 + k),
      user_id: 'u-registry',
    }));
    const deadLettersBefore = await endOffsetTotal(kafka, TOPIC.deadLetters);

    await stack.stopRegistry();
    await produceMessages(
      kafka,
      TOPIC.interactions,
      events.map((e) => ({
        key: e.user_id,
        value: frame(id, writerType.toBuffer({ ...e, campaign: 'spring' })),
      })),
    );
    await waitUntil(() => !sink.health().healthy, 'the sink to report the registry outage', 60_000);
    expect(sink.health().lastError).toMatch(/registry/);

    await stack.restartRegistry();
    await waitForCommitted(kafka, groupId, allSourceTopics());
    await waitUntil(() => sink.health().healthy, 'the sink to report healthy again', 60_000);
    const stored = await selectRows<{ event_id: string }>(
      ch.client,
      `SELECT event_id FROM recostream.interactions FINAL WHERE user_id = 'u-registry' ORDER BY event_id`,
    );
    expect(stored.map((r) => r.event_id)).toEqual(events.map((e) => e.event_id).sort());
    expect(await endOffsetTotal(kafka, TOPIC.deadLetters)).toBe(deadLettersBefore);
  });
});
