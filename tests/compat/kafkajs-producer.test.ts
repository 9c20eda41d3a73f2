// Embedded-only: the subject is the embedded broker's compatibility with the kafkajs producer;
// not the pipeline on top.
import { CompressionTypes, type Consumer, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBroker, type TestBroker } from './helpers.js';

/** Reads a whole topic from the start with a throwaway consumer group. */
async function readAll(
  tb: TestBroker,
  topic: string,
  count: number,
): Promise<(KafkaMessage & { partition: number })[]> {
  const consumer: Consumer = tb
    .kafka()
    .consumer({ groupId: `reader-${topic}-${Date.now()}`, maxWaitTimeInMs: 100 });
  const got: (KafkaMessage & { partition: number })[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => void got.push({ ...message, partition }),
  });
  await eventually(() => got.length >= count);
  await consumer.disconnect();
  return got;
}

describe('kafkajs 2.2.4 producer against the embedded broker', () => {
  let tb: TestBroker;

  beforeAll(async () => {
    tb = await startTestBroker();
  });

  afterAll(async () => {
    await tb.stop();
  });

  it('acknowledges with acks=-1 and acks=1 and keeps keys, values and headers', async () => {
    const producer = tb.kafka().producer();
    await producer.connect();
    const all = await producer.send({
      topic: 'p-acks',
      acks: -1,
      messages: [
        { key: 'user-1', value: 'a', headers: { source: 'test', trace: Buffer.from([0, 1, 2]) } },
        { key: null, value: 'b' },
      ],
    });
    expect(all).toEqual([
      expect.objectContaining({ topicName: 'p-acks', partition: 0, errorCode: 0, baseOffset: '0' }),
    ]);
    const leader = await producer.send({
      topic: 'p-acks',
      acks: 1,
      messages: [{ key: 'user-2', value: 'c' }],
    });
    expect(leader[0]).toMatchObject({ errorCode: 0, baseOffset: '2' });
    await producer.disconnect();
    const got = await readAll(tb, 'p-acks', 3);
    expect(got.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString()])).toEqual([
      ['0', 'user-1', 'a'],
      ['1', null, 'b'],
      ['2', 'user-2', 'c'],
    ]);
    expect(got[0]!.headers).toEqual({ source: Buffer.from('test'), trace: Buffer.from([0, 1, 2]) });
  });

  it('sends acks=0 without waiting for (or getting) a response', async () => {
    const admin = tb.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'p-acks0' }] });
    const producer = tb.kafka().producer();
    await producer.connect();
    for (let i = 0; i < 5; i++)
      await producer.send({ topic: 'p-acks0', acks: 0, messages: [{ value: `m${i}` }] });
    // A request after the acks=0 ones on the same connection is still answered in order.
    const after = await producer.send({ topic: 'p-acks0', acks: -1, messages: [{ value: 'last' }] });
    expect(after[0]).toMatchObject({ errorCode: 0, baseOffset: '5' });
    await producer.disconnect();
    expect(await admin.fetchTopicOffsets('p-acks0')).toEqual([
      { partition: 0, offset: '6', high: '6', low: '0' },
    ]);
    await admin.disconnect();
    expect((await readAll(tb, 'p-acks0', 6)).map((m) => m.value?.toString())).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
      'last',
    ]);
  });

  it('stores gzip batches as sent and serves them back', async () => {
    const producer = tb.kafka().producer();
    await producer.connect();
    const messages = Array.from({ length: 200 }, (_, i) => ({
      key: `k${i % 7}`,
      value: `value-${i}-${'x'.repeat(50)}`,
    }));
    await producer.send({ topic: 'p-gzip', acks: -1, compression: CompressionTypes.GZIP, messages });
    await producer.disconnect();
    const got = await readAll(tb, 'p-gzip', 200);
    expect(got.map((m) => m.value?.toString())).toEqual(messages.map((m) => m.value));
  });

  it('runs an idempotent producer: one producer id, sequences accepted in order', async () => {
    const producer = tb.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let batch = 0; batch < 10; batch++) {
      const res = await producer.send({
        topic: 'p-idem',
        acks: -1,
        messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `${batch}-${i}` })),
      });
      expect(res[0]).toMatchObject({ errorCode: 0, baseOffset: String(batch * 10) });
    }
    await producer.disconnect();
    const got = await readAll(tb, 'p-idem', 100);
    expect(got.map((m) => m.value?.toString())).toEqual(
      Array.from({ length: 100 }, (_, n) => `${Math.floor(n / 10)}-${n % 10}`),
    );
  });

  it('spreads keyed messages over partitions with the default partitioner', async () => {
    const admin = tb.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'p-parts', numPartitions: 4 }] });
    await admin.disconnect();
    const producer = tb.kafka().producer();
    await producer.connect();
    await producer.send({
      topic: 'p-parts',
      messages: Array.from({ length: 40 }, (_, i) => ({ key: `key-${i}`, value: String(i) })),
    });
    await producer.disconnect();
    const got = await readAll(tb, 'p-parts', 40);
    expect(new Set(got.map((m) => m.partition)).size).toBeGreaterThan(1);
    const partitionOfKey = new Map<string, number>();
    for (const m of got) {
      const key = m.key!.toString();
      expect(partitionOfKey.get(key) ?? m.partition).toBe(m.partition);
      partitionOfKey.set(key, m.partition);
    }
  });
});
