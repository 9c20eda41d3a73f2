import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { AvroSerde } from '../../schemas/serde.js';
import type { Interaction, RecordName } from '../../schemas/types.js';
import { applyTopology } from '../../topology/apply.js';
import { TypedProducer } from '../../topology/producer.js';
import { declaredTopics, TOPIC } from '../../topology/topics.js';
import { SAMPLES } from '../unit/schemas/samples.js';
import { harnessLogger, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let kafka: Kafka;
let serde: AvroSerde;
const logger = harnessLogger;

beforeAll(async () => {
  stack = await startStack({ broker: true, registry: true });
  kafka = stack.kafka('producer-test');
  serde = stack.serde();
  await applyTopology({ kafka, serde, featureVersion: 'v1', logger });
});
afterAll(async () => {
  await stack?.stop();
});

/** Reads `count` messages of `topic` from the beginning with a fresh group. */
async function readBack(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `read-${topic}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const messages: KafkaMessage[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
        if (messages.length === count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return messages;
}

const interaction = (i: number, user = `u${i % 3}`): Interaction => ({
  ...SAMPLES.Interaction,
  event_id: `e${i}`,
  user_id: user,
  event_time: 1_700_000_000_000 + i,
});

describe('TypedProducer', () => {
  it('writes every declared topic keyed by its key field, decodable with its registered schema', async () => {
    const producer = new TypedProducer(kafka, serde, { logger });
    for (const d of declaredTopics('v1')) {
      if (d.name === TOPIC.interactions) continue; // written by the next tests
      const sample = SAMPLES[d.valueRecord];
      expect(await producer.produce(d.name, [sample])).toEqual({ sent: 1, failed: [] });
      const [message] = await readBack(d.name, 1);
      expect(message!.key!.toString()).toBe((sample as unknown as Record<string, string>)[d.keyField]);
      const decoded = await serde.decode(d.valueRecord as RecordName, message!.value!);
      expect(decoded).toEqual(sample);
    }
    await producer.disconnect();
  });

  it('reports each record that does not fit, with its field, and sends all the others in order', async () => {
    const producer = new TypedProducer(kafka, serde, { logger, maxBatchRecords: 7 });
    const records: Interaction[] = Array.from({ length: 40 }, (_, i) => interaction(i));
    records[3] = { ...records[3]!, event_type: 'teleport' as Interaction['event_type'] };
    records[10] = { ...records[10]!, rating: 'five' as unknown as number };
    const noKey = { ...records[20]! } as Partial<Interaction>;
    delete noKey.user_id;
    records[20] = noKey as Interaction;
    records[33] = null as unknown as Interaction;

    const result = await producer.produce(TOPIC.interactions, records);
    expect(result.sent).toBe(36);
    expect(result.failed.map((f) => [f.index, f.kind, f.field])).toEqual([
      [3, 'invalid', 'event_type'],
      [10, 'invalid', 'rating'],
      [20, 'invalid', 'user_id'],
      [33, 'invalid', undefined],
    ]);
    expect(result.failed[0]!.reason).toContain('event_type');
    await producer.disconnect();

    const messages = await readBack(TOPIC.interactions, 36);
    const byUser = new Map<string, string[]>();
    for (const m of messages) {
      const v = await serde.decode('Interaction', m.value!);
      expect(m.key!.toString()).toBe(v.user_id);
      byUser.set(v.user_id, [...(byUser.get(v.user_id) ?? []), v.event_id]);
    }
    // Records of one key keep their order across the 6 batches.
    for (const [user, ids] of byUser) {
      const expected = records
        .filter((r, i) => r && r.user_id === user && ![3, 10].includes(i))
        .map((r) => r.event_id);
      expect(ids).toEqual(expected);
    }
  });

  it('writes tombstones and already encoded messages', async () => {
    const producer = new TypedProducer(kafka, serde, { logger });
    const id = await serde.schemaId(TOPIC.users, 'User');
    await producer.produceEncoded(TOPIC.users, [
      { key: 'enc-1', value: serde.encodeWithId(id, 'User', { ...SAMPLES.User, user_id: 'enc-1' }) },
    ]);
    await producer.tombstone(TOPIC.users, 'enc-1');
    await producer.flush();
    await producer.disconnect();
    const messages = await readBack(TOPIC.users, 3);
    const ours = messages.filter((m) => m.key?.toString() === 'enc-1');
    expect(ours.map((m) => [m.key!.toString(), m.value === null])).toEqual([
      ['enc-1', false],
      ['enc-1', true],
    ]);
  });

  it('reports records the broker did not take as not-sent', async () => {
    const noRetry = stack.kafka('producer-test-no-retry', {
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
    });
    const producer = new TypedProducer(noRetry, serde, { logger, maxBatchRecords: 2 });
    // Declared, but never created (topology apply ran for v1 only), and producers do not auto-create.
    const rows = Array.from({ length: 5 }, (_, i) => ({
      ...SAMPLES.UserFeatures,
      user_id: `u${i}`,
      version: 'v99',
    }));
    rows[4] = { ...rows[4]!, total_interactions: 'many' as unknown as number };
    const result = await producer.produce('user-features.v99', rows);
    expect(result.sent).toBe(0);
    expect(result.failed.map((f) => [f.index, f.kind])).toEqual([
      [0, 'not-sent'],
      [1, 'not-sent'],
      [2, 'not-sent'],
      [3, 'not-sent'],
      [4, 'invalid'],
    ]);
    await producer.disconnect();
  });

  it('refuses a topic that is not declared', async () => {
    const producer = new TypedProducer(kafka, serde, { logger });
    await expect(producer.produce('nobody-declared-this', [])).rejects.toThrow(/not declared/);
  });
});
