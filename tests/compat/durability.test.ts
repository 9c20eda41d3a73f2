// Embedded-only: the subject is the embedded broker's durability; it runs the broker as a child
// process, SIGKILLs and restarts it, and damages its segment files.
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBroker, type BrokerProcess } from '../harness/processes.js';

const kafkaAt = (brokers: string): Kafka =>
  new Kafka({ brokers: [brokers], clientId: 'durability', logLevel: logLevel.NOTHING });

async function readTopic(brokers: string, topic: string, count: number): Promise<Map<number, string>> {
  const consumer = kafkaAt(brokers).consumer({
    groupId: `reader-${Date.now()}-${Math.random()}`,
    maxWaitTimeInMs: 100,
  });
  const got = new Map<number, string>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        got.set(Number(message.offset), message.value!.toString());
        if (got.size >= count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return got;
}

async function kill9(p: BrokerProcess): Promise<void> {
  p.child.kill('SIGKILL');
  await p.exited;
}

/** The broker as a child process in fsync-per-produce mode, killed with SIGKILL mid-traffic. */
describe('durability across kill -9', () => {
  let dataDir: string;
  let broker: BrokerProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'durability-'));
  });

  afterAll(async () => {
    if (broker?.child.exitCode === null) await kill9(broker);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged record at its offset, and committed group offsets', async () => {
    broker = await spawnBroker(dataDir, ['--flush', 'always']);
    const kafka = kafkaAt(broker.brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'durable', numPartitions: 1 }] });
    await admin.setOffsets({
      groupId: 'durable-group',
      topic: 'durable',
      partitions: [{ partition: 0, offset: '42' }],
    });
    await admin.disconnect();

    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    const acked = new Map<number, string>();
    let sent = 0;
    let killed = false;
    const sending = (async () => {
      while (!killed) {
        const batch = sent++;
        const values = Array.from({ length: 10 }, (_, i) => `b${batch}-m${i}`);
        try {
          const [res] = await producer.send({
            topic: 'durable',
            acks: -1,
            messages: values.map((value) => ({ value })),
          });
          values.forEach((v, i) => acked.set(Number(res!.baseOffset) + i, v));
        } catch {
          return;
        }
      }
    })();
    while (acked.size < 1000) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    await kill9(broker);
    await sending;
    await producer.disconnect().catch(() => {});

    broker = await spawnBroker(dataDir, ['--flush', 'always']);
    const after = await readTopic(broker.brokers, 'durable', acked.size);
    for (const [offset, value] of acked) expect(after.get(offset)).toBe(value);
    const admin2 = kafkaAt(broker.brokers).admin();
    await admin2.connect();
    expect(await admin2.fetchOffsets({ groupId: 'durable-group', topics: ['durable'] })).toEqual([
      { topic: 'durable', partitions: [{ partition: 0, offset: '42', metadata: null }] },
    ]);
    await admin2.disconnect();
  });

  it('recovers a torn tail: truncates the broken last batch and appends after it', async () => {
    const kafka = kafkaAt(broker.brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'torn' }] });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 5; i++)
      await producer.send({
        topic: 'torn',
        acks: -1,
        messages: [{ value: `whole-${i}` }, { value: `whole-${i}b` }],
      });
    await producer.disconnect();
    await admin.disconnect();
    await kill9(broker);

    // Cut the segment in the middle of its last batch, as a crash during a write would.
    const partitionDir = join(dataDir, 'topics', 'torn', '0');
    const segment = (await readdir(partitionDir))
      .filter((f) => f.endsWith('.log'))
      .sort()
      .pop()!;
    const size = (await stat(join(partitionDir, segment))).size;
    await truncate(join(partitionDir, segment), size - 7);

    broker = await spawnBroker(dataDir, ['--flush', 'always']);
    const kafka2 = kafkaAt(broker.brokers);
    const admin2 = kafka2.admin();
    await admin2.connect();
    expect(await admin2.fetchTopicOffsets('torn')).toEqual([
      { partition: 0, offset: '8', high: '8', low: '0' },
    ]);
    const producer2 = kafka2.producer();
    await producer2.connect();
    const [res] = await producer2.send({ topic: 'torn', acks: -1, messages: [{ value: 'after-recovery' }] });
    expect(res!.baseOffset).toBe('8');
    await producer2.disconnect();
    await admin2.disconnect();
    const all = await readTopic(broker.brokers, 'torn', 9);
    expect([...all.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v)).toEqual([
      'whole-0',
      'whole-0b',
      'whole-1',
      'whole-1b',
      'whole-2',
      'whole-2b',
      'whole-3',
      'whole-3b',
      'after-recovery',
    ]);
    await kill9(broker);
  });
});
