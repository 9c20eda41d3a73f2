// Embedded-only: the subject is the embedded broker's compatibility with the kafkajs admin
// client; not the pipeline on top.
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './helpers.js';

/** The Kafka error name kafkajs reports for the first topic of a failed createTopics. */
async function creationError(attempt: Promise<boolean>): Promise<string> {
  try {
    await attempt;
    return 'none';
  } catch (err) {
    return (err as { errors?: { type: string }[] }).errors?.[0]?.type ?? String(err);
  }
}

describe('kafkajs 2.2.4 admin against the embedded broker', () => {
  let tb: TestBroker;
  let admin: Admin;

  beforeAll(async () => {
    tb = await startTestBroker();
    admin = tb.kafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
    await tb.stop();
  });

  it('creates topics with configs, and refuses duplicates and bad input', async () => {
    expect(
      await admin.createTopics({
        topics: [
          {
            topic: 'admin-a',
            numPartitions: 3,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'retention.ms', value: '1000' },
            ],
          },
          { topic: 'admin-b' },
        ],
      }),
    ).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'admin-a' }] })).toBe(false);
    expect(await creationError(admin.createTopics({ topics: [{ topic: 'bad name!' }] }))).toBe(
      'INVALID_TOPIC_EXCEPTION',
    );
    expect(
      await creationError(
        admin.createTopics({
          topics: [{ topic: 'admin-c', configEntries: [{ name: 'no.such.config', value: '1' }] }],
        }),
      ),
    ).toBe('INVALID_CONFIG');
    expect(
      await creationError(
        admin.createTopics({
          topics: [{ topic: 'admin-c', configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
        }),
      ),
    ).toBe('INVALID_CONFIG');
    expect(
      await creationError(admin.createTopics({ topics: [{ topic: 'admin-d', replicationFactor: 3 }] })),
    ).toBe('INVALID_REPLICATION_FACTOR');
    expect(
      await creationError(admin.createTopics({ topics: [{ topic: 'admin-d', numPartitions: 0 }] })),
    ).toBe('INVALID_PARTITIONS');
    // validate_only creates nothing (kafkajs would wait for its leaders forever unless told not to, with Kafka too).
    expect(
      await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'admin-e' }] }),
    ).toBe(true);
    expect((await admin.listTopics()).sort()).toEqual(['admin-a', 'admin-b']);
  });

  it('lists metadata with the broker as leader and controller', async () => {
    const md = await admin.fetchTopicMetadata({ topics: ['admin-a'] });
    expect(md.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    expect(md.topics[0]!.partitions.every((p) => p.leader === 0 && p.replicas.join() === '0')).toBe(true);
    const cluster = await admin.describeCluster();
    expect(cluster.controller).toBe(0);
    expect(cluster.brokers).toEqual([{ nodeId: 0, host: tb.broker.host, port: tb.broker.port }]);
  });

  it('describes topic configs with their source, and broker configs', async () => {
    const { resources } = await admin.describeConfigs({
      resources: [{ type: 2, name: 'admin-a' }],
      includeSynonyms: false,
    });
    const entries = new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(entries.get('cleanup.policy')).toMatchObject({
      configValue: 'compact',
      isDefault: false,
      configSource: 1,
    });
    expect(entries.get('retention.ms')).toMatchObject({ configValue: '1000', isDefault: false });
    expect(entries.get('segment.bytes')).toMatchObject({
      configValue: '1073741824',
      isDefault: true,
      configSource: 5,
    });
    const broker = await admin.describeConfigs({
      resources: [{ type: 4, name: '0' }],
      includeSynonyms: false,
    });
    expect(broker.resources[0]!.configEntries.find((e) => e.configName === 'broker.id')?.configValue).toBe(
      '0',
    );
    await expect(
      admin.describeConfigs({ resources: [{ type: 2, name: 'nope' }], includeSynonyms: false }),
    ).rejects.toThrow();
  });

  it('alters topic configs', async () => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: 2, name: 'admin-b', configEntries: [{ name: 'max.message.bytes', value: '2000000' }] },
      ],
    });
    const { resources } = await admin.describeConfigs({
      resources: [{ type: 2, name: 'admin-b', configNames: ['max.message.bytes'] }],
      includeSynonyms: false,
    });
    expect(resources[0]!.configEntries).toEqual([
      expect.objectContaining({ configName: 'max.message.bytes', configValue: '2000000', isDefault: false }),
    ]);
  });

  it('fetches topic offsets and offsets by timestamp', async () => {
    const producer = tb.kafka().producer();
    await producer.connect();
    const t0 = Date.now();
    await producer.send({
      topic: 'admin-b',
      messages: [
        { value: 'a', timestamp: String(t0 - 10_000) },
        { value: 'b', timestamp: String(t0) },
      ],
    });
    await producer.send({ topic: 'admin-b', messages: [{ value: 'c', timestamp: String(t0 + 10_000) }] });
    await producer.disconnect();
    expect(await admin.fetchTopicOffsets('admin-b')).toEqual([
      { partition: 0, offset: '3', high: '3', low: '0' },
    ]);
    expect(await admin.fetchTopicOffsetsByTimestamp('admin-b', t0 - 5_000)).toEqual([
      { partition: 0, offset: '1' },
    ]);
    expect(await admin.fetchTopicOffsetsByTimestamp('admin-b', t0 + 5_000)).toEqual([
      { partition: 0, offset: '2' },
    ]);
    // After the last record: Kafka answers -1, which kafkajs turns into the high watermark.
    expect(await admin.fetchTopicOffsetsByTimestamp('admin-b', t0 + 60_000)).toEqual([
      { partition: 0, offset: '3' },
    ]);
  });

  it('describes and lists groups, resets and sets their offsets', async () => {
    const consumer = tb.kafka().consumer({ groupId: 'admin-group', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'admin-b', fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async () => {
          if (++seen === 3) resolve();
        },
      });
    });
    const described = await admin.describeGroups(['admin-group']);
    expect(described.groups[0]).toMatchObject({
      groupId: 'admin-group',
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'RoundRobinAssigner',
    });
    expect(described.groups[0]!.members).toHaveLength(1);
    await consumer.disconnect();

    expect((await admin.listGroups()).groups).toContainEqual({
      groupId: 'admin-group',
      protocolType: 'consumer',
    });
    expect((await admin.describeGroups(['admin-group'])).groups[0]!.state).toBe('Empty');
    expect(await admin.fetchOffsets({ groupId: 'admin-group', topics: ['admin-b'] })).toEqual([
      { topic: 'admin-b', partitions: [{ partition: 0, offset: '3', metadata: null }] },
    ]);
    // kafkajs commits the sentinel -2 (earliest); the broker stores offsets verbatim, as Kafka does.
    await admin.resetOffsets({ groupId: 'admin-group', topic: 'admin-b', earliest: true });
    expect(
      (await admin.fetchOffsets({ groupId: 'admin-group', topics: ['admin-b'] }))[0]!.partitions[0]!.offset,
    ).toBe('-2');
    await admin.setOffsets({
      groupId: 'admin-group',
      topic: 'admin-b',
      partitions: [{ partition: 0, offset: '2' }],
    });
    expect(
      (await admin.fetchOffsets({ groupId: 'admin-group', topics: ['admin-b'] }))[0]!.partitions[0]!.offset,
    ).toBe('2');
    expect((await admin.describeGroups(['unknown-group'])).groups[0]!.state).toBe('Dead');
  });

  it('creates partitions and deletes records', async () => {
    await admin.createPartitions({ topicPartitions: [{ topic: 'admin-b', count: 2 }] });
    expect((await admin.fetchTopicMetadata({ topics: ['admin-b'] })).topics[0]!.partitions).toHaveLength(2);
    await expect(
      admin.createPartitions({ topicPartitions: [{ topic: 'admin-b', count: 1 }] }),
    ).rejects.toThrow();
    await admin.deleteTopicRecords({ topic: 'admin-b', partitions: [{ partition: 0, offset: '2' }] });
    expect((await admin.fetchTopicOffsets('admin-b')).find((p) => p.partition === 0)).toMatchObject({
      low: '2',
      high: '3',
    });
  });

  it('deletes groups and topics, with their committed offsets', async () => {
    await admin.deleteTopics({ topics: ['admin-b'] });
    expect(await admin.listTopics()).toEqual(['admin-a']);
    expect(await admin.fetchOffsets({ groupId: 'admin-group' })).toEqual([]);
    await admin.deleteGroups(['admin-group']);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('admin-group');
  });
});
