import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { AvroSerde } from '../../schemas/serde.js';
import { applyTopology } from '../../topology/apply.js';
import { describeTopology, type TopologyState } from '../../topology/describe.js';
import { TOPIC_RESOURCE } from '../../topology/kafka-constants.js';
import { TypedProducer } from '../../topology/producer.js';
import { applyReport, describeReport } from '../../topology/report.js';
import { declaredTopics, SCHEMAS_TOPIC, TOPIC } from '../../topology/topics.js';
import { SAMPLES } from '../unit/schemas/samples.js';
import { harnessLogger, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let kafka: Kafka;
let serde: AvroSerde;
const featureVersion = 'v1';
const logger = harnessLogger;

beforeAll(async () => {
  stack = await startStack({ broker: true, registry: true });
  kafka = stack.kafka('topology-test');
  serde = stack.serde();
});
afterAll(async () => {
  await stack?.stop();
});

async function topicConfigs(topic: string): Promise<Record<string, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const result = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: TOPIC_RESOURCE, name: topic }],
    });
    return Object.fromEntries(result.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  } finally {
    await admin.disconnect();
  }
}

const describeNow = () => describeTopology({ kafka, registryUrl: stack.registryUrl!, featureVersion });

describe('topology apply', () => {
  it('creates every declared topic and registers every value schema; a second run changes nothing', async () => {
    const declared = declaredTopics(featureVersion);
    const first = await applyTopology({ kafka, serde, featureVersion, logger });
    expect(first.warnings).toEqual([]);
    const created = first.changes.filter((c) => c.action === 'create-topic').map((c) => c.topic);
    const registered = first.changes.filter((c) => c.action === 'register-schema').map((c) => c.topic);
    expect(created.sort()).toEqual(declared.map((d) => d.name).sort());
    expect(registered.sort()).toEqual(declared.map((d) => d.name).sort());

    const second = await applyTopology({
      kafka,
      serde: stack.serde(),
      featureVersion,
      logger,
    });
    expect(second).toEqual({ changes: [], warnings: [] });
    expect(applyReport(second)).toContain('No changes');

    const state = await describeNow();
    for (const d of declared) {
      const t = state.topics.find((x) => x.name === d.name)!;
      expect({
        name: t.name,
        exists: t.exists,
        partitions: t.partitions,
        cleanup: t.cleanupPolicy,
        versions: t.schemaVersions,
      }).toEqual({
        name: d.name,
        exists: true,
        partitions: d.partitions,
        cleanup: d.cleanupPolicy,
        versions: [1],
      });
    }
    expect(state.topics.find((t) => t.name === SCHEMAS_TOPIC)).toMatchObject({
      declared: false,
      cleanupPolicy: 'compact',
      partitions: 1,
    });
    const configs = await topicConfigs(TOPIC.interactions);
    expect(configs['retention.ms']).toBe('-1');
    expect(configs['cleanup.policy']).toBe('delete');
  });

  it('sets configs that differ, keeps overrides it does not declare, and then changes nothing', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: TOPIC_RESOURCE,
          name: TOPIC.deadLetters,
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: '1000' },
            { name: 'segment.ms', value: '3600000' },
          ],
        },
      ],
    });
    await admin.disconnect();

    const result = await applyTopology({ kafka, serde, featureVersion, logger });
    expect(result.changes).toEqual([
      { topic: TOPIC.deadLetters, action: 'alter-configs', detail: 'retention.ms: 1000 -> 604800000' },
    ]);
    const configs = await topicConfigs(TOPIC.deadLetters);
    expect(configs['retention.ms']).toBe('604800000');
    expect(configs['segment.ms']).toBe('3600000');
    expect((await applyTopology({ kafka, serde, featureVersion, logger })).changes).toEqual([]);
  });

  it('adds partitions when a declaration grows, and never shrinks', async () => {
    const grown = declaredTopics(featureVersion).map((d) =>
      d.name === TOPIC.items ? { ...d, partitions: 5 } : d,
    );
    const result = await applyTopology({
      kafka,
      serde,
      featureVersion,
      logger,
      declarations: grown,
    });
    expect(result.changes).toEqual([{ topic: TOPIC.items, action: 'add-partitions', detail: '3 -> 5' }]);
    const back = await applyTopology({ kafka, serde, featureVersion, logger });
    expect(back.changes).toEqual([]);
    expect(back.warnings).toEqual([
      `${TOPIC.items} has 5 partitions, more than the 3 declared; partitions are never removed`,
    ]);
    expect((await describeNow()).topics.find((t) => t.name === TOPIC.items)?.partitions).toBe(5);
  });
});

describe('topology describe', () => {
  it('shows end offsets and a consumer group lag that falls to 0 once it has caught up', async () => {
    const producer = new TypedProducer(kafka, serde, { logger });
    const users = Array.from({ length: 30 }, (_, i) => ({ ...SAMPLES.User, user_id: `u${i}` }));
    expect(await producer.produce(TOPIC.users, users)).toEqual({ sent: 30, failed: [] });
    await producer.disconnect();

    const groupId = 'lag-test';
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(TOPIC.users);
    await admin.setOffsets({
      groupId,
      topic: TOPIC.users,
      partitions: ends.map((e) => ({ partition: e.partition, offset: '0' })),
    });
    await admin.disconnect();

    const lagOf = (state: TopologyState) =>
      state.lags.find((l) => l.groupId === groupId && l.topic === TOPIC.users)?.lag;
    const before = await describeNow();
    expect(before.topics.find((t) => t.name === TOPIC.users)?.endOffset).toBe(30);
    expect(lagOf(before)).toBe(30);
    expect(describeReport(before)).toContain(groupId);

    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC.users] });
    let seen = 0;
    const caughtUp = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async () => {
          if (++seen === 30) resolve();
        },
      });
    });
    await caughtUp;
    await consumer.disconnect(); // commits what it consumed
    expect(lagOf(await describeNow())).toBe(0);
  });
});
