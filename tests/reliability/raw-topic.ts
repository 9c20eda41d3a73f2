import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** Reading a topic's records as bytes, whatever they hold (no Avro decoding). */

export interface RawRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  timestamp: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every record of `topic` up to its end offsets as of the call, in partition then offset order. */
export async function readRawTopic(kafka: Kafka, topic: string, timeoutMs = 120_000): Promise<RawRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `reliability-raw-${randomBytes(4).toString('hex')}`;
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const positions = new Map<number, number>();
    const out: RawRecord[] = [];
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = Number(ends.find((e) => e.partition === batch.partition)?.high ?? 0);
          for (const m of batch.messages) {
            if (Number(m.offset) >= end) break;
            out.push({
              partition: batch.partition,
              offset: Number(m.offset),
              key: m.key?.toString() ?? null,
              value: m.value,
              timestamp: Number(m.timestamp),
            });
          }
          positions.set(batch.partition, Number(batch.lastOffset()) + 1);
        },
      });
      const deadline = Date.now() + timeoutMs;
      while (
        ends.some((e) => Number(e.high) > Number(e.low) && (positions.get(e.partition) ?? 0) < Number(e.high))
      ) {
        if (Date.now() > deadline)
          throw new Error(`readRawTopic ${topic}: end offsets not reached in ${timeoutMs} ms`);
        await sleep(20);
      }
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the end offsets of a topic's partitions. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}
