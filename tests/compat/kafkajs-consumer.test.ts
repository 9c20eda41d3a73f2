// Embedded-only: the subject is the embedded broker's compatibility with kafkajs consumers and
// groups; not the pipeline on top.
import type { Admin, Consumer, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBroker, type TestBroker } from './helpers.js';

describe('kafkajs 2.2.4 consumers against the embedded broker', () => {
  let tb: TestBroker;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    tb = await startTestBroker();
    admin = tb.kafka().admin();
    await admin.connect();
    producer = tb.kafka().producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
    await tb.stop();
  });

  const consumerOf = (groupId: string): Consumer =>
    tb.kafka().consumer({
      groupId,
      maxWaitTimeInMs: 200,
      heartbeatInterval: 300,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
    });

  async function groupSettles(groupId: string, members: number): Promise<void> {
    await eventually(async () => {
      const g = (await admin.describeGroups([groupId])).groups[0]!;
      return g.state === (members === 0 ? 'Empty' : 'Stable') && g.members.length === members;
    }, 100);
  }

  it('shares partitions in a group of 3 through joins and leaves, each record consumed exactly once', async () => {
    const topic = 'c-group';
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
    const seen = new Map<string, string[]>();
    const start = async (name: string): Promise<Consumer> => {
      const c = consumerOf('c-group-g');
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({
        eachMessage: async ({ message }) => {
          const value = message.value!.toString();
          seen.set(value, [...(seen.get(value) ?? []), name]);
        },
      });
      return c;
    };
    let produced = 0;
    const produce = async (n: number): Promise<void> => {
      const messages = Array.from({ length: n }, (_, i) => ({
        key: `k${produced + i}`,
        value: `v${produced + i}`,
      }));
      produced += n;
      await producer.send({ topic, acks: -1, messages });
      await eventually(() => seen.size >= produced);
    };

    const a = await start('a');
    await groupSettles('c-group-g', 1);
    await produce(120);
    const b = await start('b');
    const c = await start('c');
    await groupSettles('c-group-g', 3);
    const before = seen.size;
    await produce(120);
    const phase2 = [...seen.entries()].slice(before).map(([, by]) => by[0]);
    expect(new Set(phase2)).toEqual(new Set(['a', 'b', 'c']));
    await a.disconnect();
    await groupSettles('c-group-g', 2);
    await produce(120);
    await b.disconnect();
    await groupSettles('c-group-g', 1);
    await produce(120);
    await c.disconnect();
    await groupSettles('c-group-g', 0);

    expect(seen.size).toBe(480);
    const duplicates = [...seen.entries()].filter(([, by]) => by.length > 1);
    expect(duplicates).toEqual([]);
    const committed = await admin.fetchOffsets({ groupId: 'c-group-g', topics: [topic] });
    const total = committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(total).toBe(480);
  });

  it('starts from the beginning or from the end as asked', async () => {
    const topic = 'c-from';
    await producer.send({ topic, messages: [{ value: 'old-1' }, { value: 'old-2' }] });
    const fromStart: string[] = [];
    const fromEnd: string[] = [];
    const early = consumerOf('c-from-early');
    const late = consumerOf('c-from-late');
    // The late group has no commit: it resolves "latest" before its first fetch completes.
    let lateFetched = false;
    late.on(late.events.FETCH, () => {
      lateFetched = true;
    });
    for (const [consumer, into, fromBeginning] of [
      [early, fromStart, true],
      [late, fromEnd, false],
    ] as const) {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning });
      await consumer.run({ eachMessage: async ({ message }) => void into.push(message.value!.toString()) });
    }
    await groupSettles('c-from-early', 1);
    await groupSettles('c-from-late', 1);
    await eventually(() => fromStart.length === 2);
    await eventually(() => lateFetched);
    await producer.send({ topic, messages: [{ value: 'new' }] });
    await eventually(() => fromStart.length === 3 && fromEnd.length === 1);
    expect(fromStart).toEqual(['old-1', 'old-2', 'new']);
    expect(fromEnd).toEqual(['new']);
    await early.disconnect();
    await late.disconnect();
  });

  it('seeks back and re-reads from the chosen offset', async () => {
    const topic = 'c-seek';
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: String(i) })) });
    const consumer = consumerOf('c-seek-g');
    const got: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await eventually(() => got.length === 10);
    consumer.seek({ topic, partition: 0, offset: '6' });
    await eventually(() => got.length === 14);
    expect(got.slice(10)).toEqual(['6', '7', '8', '9']);
    await consumer.disconnect();
  });

  it('pauses and resumes a partition', async () => {
    const topic = 'c-pause';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const consumer = consumerOf('c-pause-g');
    const got: { partition: number; value: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) =>
        void got.push({ partition, value: message.value!.toString() }),
    });
    await groupSettles('c-pause-g', 1);
    consumer.pause([{ topic, partitions: [0] }]);
    await producer.send({ topic, messages: [{ partition: 0, value: 'paused' }] });
    await producer.send({ topic, messages: [{ partition: 1, value: 'flowing' }] });
    await eventually(() => got.some((m) => m.value === 'flowing'));
    expect(got.map((m) => m.value)).not.toContain('paused');
    expect(consumer.paused()).toEqual([{ topic, partitions: [0] }]);
    consumer.resume([{ topic, partitions: [0] }]);
    await eventually(() => got.some((m) => m.value === 'paused'));
    expect(got.filter((m) => m.value === 'paused')).toEqual([{ partition: 0, value: 'paused' }]);
    await consumer.disconnect();
  });
});
