import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { AvroSerde } from '../../schemas/serde.js';
import type { RecordName, RecordTypes } from '../../schemas/types.js';
import { declaredTopics } from '../../topology/topics.js';

/** Creates every declared topic with its partitions and configs (what `topology apply` does). */
export async function createDeclaredTopics(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = declaredTopics('v1').filter((d) => !existing.has(d.name));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((d) => ({
        topic: d.name,
        numPartitions: d.partitions,
        configEntries: Object.entries({ 'cleanup.policy': d.cleanupPolicy, ...d.configs }).map(
          ([name, value]) => ({
            name,
            value,
          }),
        ),
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the end offsets of a topic: what was ever written to it. */
export async function endOffsetTotal(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, o) => sum + Number(o.offset), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a topic from the beginning with a kafkajs consumer and decodes with the serde, keeping
 * the records `keep` selects, until `count` of them arrived (or the timeout).
 */
export async function readBack<N extends RecordName>(
  kafka: Kafka,
  registryUrl: string,
  topic: string,
  record: N,
  keep: (value: RecordTypes[N], key: string | null) => boolean,
  count: number,
  timeoutMs = 30_000,
): Promise<{ key: string | null; value: RecordTypes[N] }[]> {
  const serde = new AvroSerde({ url: registryUrl });
  const consumer = kafka.consumer({ groupId: `replay-test-${randomUUID()}` });
  const out: { key: string | null; value: RecordTypes[N] }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${out.length} of ${count} records arrived from ${topic}`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const value = await serde.decode(record, message.value!);
            const key = message.key?.toString() ?? null;
            if (keep(value, key)) out.push({ key, value });
            if (out.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
