// Embedded-only: the subject is the embedded broker's log compaction (its cleaner, tombstones,
// delete.retention.ms) as kafkajs, kcat and kafka-python read it; not the pipeline on top.
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kcat, python, startTestBroker, type TestBroker } from './helpers.js';

const TOPIC = 'compacted';
const KEYS = 1000;
const RECORDS = 100_000;
const TOMBSTONED = 100; // keys k0..k99 get a tombstone after their last value
const DELETE_RETENTION_MS = 3000;

type Latest = Map<string, string | null>;

/** key -> latest value (null = tombstone) as a client reads the topic from offset 0 to the end. */
function latestOf(lines: [string, string | null][]): Latest {
  const latest: Latest = new Map();
  for (const [k, v] of lines) latest.set(k, v);
  return latest;
}

describe('log compaction as clients see it', () => {
  let tb: TestBroker;
  let admin: Admin;
  const expected: Latest = new Map();
  let highWatermark = 0;

  beforeAll(async () => {
    tb = await startTestBroker({ cleanerIntervalMs: 200 });
    admin = tb.kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: TOPIC,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: String(64 * 1024) },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
            { name: 'delete.retention.ms', value: String(DELETE_RETENTION_MS) },
          ],
        },
      ],
    });
  });

  afterAll(async () => {
    await admin.disconnect();
    await tb.stop();
  });

  async function produce(records: { key: string; value: string | null }[]): Promise<void> {
    const producer = tb.kafka().producer();
    await producer.connect();
    for (let i = 0; i < records.length; i += 1000) {
      await producer.send({ topic: TOPIC, acks: -1, messages: records.slice(i, i + 1000) });
    }
    await producer.disconnect();
    for (const r of records) expected.set(r.key, r.value);
    highWatermark = Number((await admin.fetchTopicOffsets(TOPIC))[0]!.high);
  }

  async function readWithKafkajs(
    fromOffset: string | null,
  ): Promise<{ lines: [string, string | null][]; lastOffset: number }> {
    const groupId = `kjs-${Date.now()}-${Math.random()}`;
    if (fromOffset !== null)
      await admin.setOffsets({ groupId, topic: TOPIC, partitions: [{ partition: 0, offset: fromOffset }] });
    const consumer = tb.kafka().consumer({ groupId, maxWaitTimeInMs: 100 });
    const lines: [string, string | null][] = [];
    let lastOffset = -1;
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        lines.push([message.key!.toString(), message.value === null ? null : message.value.toString()]);
        lastOffset = Number(message.offset);
      },
    });
    await eventually(() => lastOffset === highWatermark - 1);
    await consumer.disconnect();
    return { lines, lastOffset };
  }

  async function readWithKcat(fromOffset: string): Promise<[string, string | null][]> {
    const { stdout } = await kcat(tb.broker.brokers, [
      '-C',
      '-t',
      TOPIC,
      '-o',
      fromOffset,
      '-e',
      '-q',
      '-Z',
      '-f',
      '%k\\t%S\\t%s\\n',
    ]);
    return stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [k, size, v] = l.split('\t');
        return [k!, size === '-1' ? null : v!];
      });
  }

  async function readWithKafkaPython(
    fromOffset: number,
  ): Promise<{ lines: [string, string | null][]; position: number }> {
    const { stdout } = await python(
      tb.broker.brokers,
      `
import json, sys
from kafka import KafkaConsumer, TopicPartition
tp = TopicPartition('${TOPIC}', 0)
c = KafkaConsumer(bootstrap_servers=sys.argv[1], enable_auto_commit=False)
c.assign([tp])
c.seek(tp, ${fromOffset})
end = c.end_offsets([tp])[tp]
lines = []
while c.position(tp) < end:
    for records in c.poll(timeout_ms=500).values():
        lines.extend([r.key.decode(), None if r.value is None else r.value.decode()] for r in records)
print(json.dumps({'lines': lines, 'position': c.position(tp)}))
c.close()
`,
      120_000,
    );
    return JSON.parse(stdout) as { lines: [string, string | null][]; position: number };
  }

  it("keeps each key's latest value (tombstones included) for all three clients after cleaning", async () => {
    const records: { key: string; value: string | null }[] = Array.from({ length: RECORDS }, (_, i) => ({
      key: `k${i % KEYS}`,
      value: `v${i}`,
    }));
    records.push(...Array.from({ length: TOMBSTONED }, (_, k) => ({ key: `k${k}`, value: null })));
    await produce(records);
    // The cleaner runs in the background (during production too): wait until everything but the
    // active segment is clean, i.e. a full read returns a small fraction of what was written.
    await eventually(async () => (await readWithKcat('beginning')).length < RECORDS / 10, 200);

    const kjs = await readWithKafkajs(null);
    expect(kjs.lines.length).toBeLessThan(RECORDS / 4);
    expect(latestOf(kjs.lines)).toEqual(expected);
    expect(latestOf(await readWithKcat('beginning'))).toEqual(expected);
    const py = await readWithKafkaPython(0);
    expect(py.position).toBe(highWatermark);
    expect(latestOf(py.lines)).toEqual(expected);
    expect([...expected.values()].filter((v) => v === null)).toHaveLength(TOMBSTONED);
  });

  it('lets consumers that start in a compacted gap progress to the end', async () => {
    // Offset 5 (key k5, overwritten 99 times since) is long gone.
    const kjs = await readWithKafkajs('5');
    expect(kjs.lastOffset).toBe(highWatermark - 1);
    const kc = await readWithKcat('5');
    expect(kc.length).toBeGreaterThan(0);
    expect(latestOf(kc)).toEqual(expected);
    const py = await readWithKafkaPython(5);
    expect(py.position).toBe(highWatermark);
  });

  it('drops tombstones once delete.retention.ms has passed since they were first cleaned', async () => {
    await new Promise((r) => setTimeout(r, DELETE_RETENTION_MS + 500));
    // New dirty data makes the log eligible for another cleaning pass.
    const more = Array.from({ length: 20_000 }, (_, i) => ({
      key: `k${TOMBSTONED + (i % (KEYS - TOMBSTONED))}`,
      value: `w${i}`,
    }));
    await produce(more);
    for (let k = 0; k < TOMBSTONED; k++) expected.delete(`k${k}`);
    await eventually(async () => {
      const keys = new Set((await readWithKcat('beginning')).map(([k]) => k));
      return ![...keys].some((k) => Number(k.slice(1)) < TOMBSTONED);
    }, 500);
    expect(latestOf((await readWithKafkajs(null)).lines)).toEqual(expected);
    expect(latestOf(await readWithKcat('beginning'))).toEqual(expected);
    expect(latestOf((await readWithKafkaPython(0)).lines)).toEqual(expected);
    expect(expected.size).toBe(KEYS - TOMBSTONED);
  });
});
