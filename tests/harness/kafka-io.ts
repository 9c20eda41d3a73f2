import { randomBytes } from 'node:crypto';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import type { Redis } from 'ioredis';
import { pipelineLag, type PipelineLag } from '../../processors/progress.js';
import { ensureTopics } from '../../processors/topics.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { Interaction, Item, RecordName, RecordTypes } from '../../schemas/types.js';
import { TOPIC } from '../../topology/topics.js';

/** Producing test input and reading outputs back, through the same clients production uses. */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the declared topics of every version given that are missing (what `topology apply` does). */
export async function createTopics(kafka: Kafka, versions: readonly string[] = ['v1']): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const version of versions) await ensureTopics(admin, version);
  } finally {
    await admin.disconnect();
  }
}

export async function produceMessages(
  kafka: Kafka,
  topic: string,
  messages: Message[],
  chunk = 2000,
): Promise<void> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({ topic, messages: messages.slice(i, i + chunk), acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Interactions keyed by user_id on `interactions`, in the given order. */
export async function produceInteractions(
  kafka: Kafka,
  serde: AvroSerde,
  events: readonly Interaction[],
): Promise<void> {
  const messages: Message[] = [];
  for (const e of events) {
    messages.push({ key: e.user_id, value: await serde.encode(TOPIC.interactions, 'Interaction', e) });
  }
  await produceMessages(kafka, TOPIC.interactions, messages);
}

export interface Keyed<N extends RecordName> {
  key: string;
  /** null: a tombstone. */
  value: RecordTypes[N] | null;
}

/** Avro records of any type, keyed as given, in the given order. */
export async function produceRecords<N extends RecordName>(
  kafka: Kafka,
  serde: AvroSerde,
  topic: string,
  record: N,
  items: readonly Keyed<N>[],
): Promise<void> {
  const messages: Message[] = [];
  for (const item of items) {
    messages.push({
      key: item.key,
      value: item.value === null ? null : await serde.encode(topic, record, item.value),
    });
  }
  await produceMessages(kafka, topic, messages);
}

export async function produceItems(kafka: Kafka, serde: AvroSerde, items: readonly Item[]): Promise<void> {
  const messages: Message[] = [];
  for (const item of items) {
    messages.push({ key: item.item_id, value: await serde.encode(TOPIC.items, 'Item', item) });
  }
  await produceMessages(kafka, TOPIC.items, messages);
}

/** Sum of the end offsets of a topic's partitions: what was ever written to it. */
export async function endOffsetTotal(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once the consumer group has committed every partition of `topics` up to its end. */
export async function waitForCommitted(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  const admin = kafka.admin();
  await admin.connect();
  let behind = '';
  try {
    while (Date.now() < deadline) {
      behind = '';
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        for (const end of ends) {
          const c = committed?.partitions.find((p) => p.partition === end.partition);
          const at = c && Number(c.offset) >= 0 ? Number(c.offset) : 0;
          if (at < Number(end.high)) behind += ` ${topic}/${end.partition}:${at}<${end.high}`;
        }
      }
      if (behind === '') return;
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
  throw new Error(`${opts.what ?? 'the sink'} did not commit up to the log end in time:${behind}`);
}

/** Every record of a topic, decoded, in partition then offset order (with its key). */
export async function readTopic<N extends RecordName>(
  kafka: Kafka,
  serde: AvroSerde,
  topic: string,
  record: N,
): Promise<{ key: string; partition: number; offset: number; value: RecordTypes[N] }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  const groupId = `test-reader-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const positions = new Map<number, number>();
  const raw: { key: string; partition: number; offset: number; value: Buffer }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (m.value)
          raw.push({
            key: m.key?.toString() ?? '',
            partition: batch.partition,
            offset: Number(m.offset),
            value: m.value,
          });
      }
      positions.set(batch.partition, Number(batch.lastOffset()) + 1);
    },
  });
  const deadline = Date.now() + 60_000;
  while (
    ends.some((e) => Number(e.high) > Number(e.low) && (positions.get(e.partition) ?? 0) < Number(e.high))
  ) {
    if (Date.now() > deadline)
      throw new Error(`readTopic ${topic}: did not reach the end offsets within 60 s`);
    await sleep(20);
  }
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  raw.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const out = [];
  for (const r of raw) out.push({ ...r, value: await serde.decode(record, r.value) });
  return out;
}

/** The latest record per key of a (compacted) topic: what a reader of the topic ends up with. */
export async function readLatest<N extends RecordName>(
  kafka: Kafka,
  serde: AvroSerde,
  topic: string,
  record: N,
): Promise<Map<string, RecordTypes[N]>> {
  const latest = new Map<string, RecordTypes[N]>();
  for (const r of await readTopic(kafka, serde, topic, record)) latest.set(r.key, r.value);
  return latest;
}

/** Polls until the version's processors have applied every input record (Redis offsets). */
export async function waitForCaughtUp(
  kafka: Kafka,
  redis: Redis,
  version: string,
  timeoutMs = 300_000,
  onProgress?: (lag: PipelineLag) => void,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    let stable = 0;
    for (;;) {
      const lag = await pipelineLag(admin, redis, version);
      onProgress?.(lag);
      // Twice in a row: the user side's last repartitioned records are visible to the item side.
      stable = lag.total === 0 ? stable + 1 : 0;
      if (stable >= 2) return;
      if (Date.now() > deadline)
        throw new Error(`not caught up within ${timeoutMs} ms: ${JSON.stringify(lag)}`);
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Produces interactions in chunks with a pause between them: a replay that is still running
 * while a test kills or stops things.
 */
export async function produceInteractionsPaced(
  kafka: Kafka,
  serde: AvroSerde,
  events: readonly Interaction[],
  options: { chunk?: number; pauseMs?: number } = {},
): Promise<void> {
  const chunk = options.chunk ?? 1000;
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += chunk) {
      const messages: Message[] = [];
      for (const e of events.slice(i, i + chunk)) {
        messages.push({ key: e.user_id, value: await serde.encode(TOPIC.interactions, 'Interaction', e) });
      }
      await producer.send({ topic: TOPIC.interactions, messages, acks: -1 });
      await sleep(options.pauseMs ?? 200);
    }
  } finally {
    await producer.disconnect();
  }
}

/** Polls `condition` every `everyMs` until it holds; throws after `timeoutMs` with `what`. */
export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 120_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The first `limit` raw messages of one partition (offset order), as a processor receives them. */
export async function readRawPartition(
  kafka: Kafka,
  topic: string,
  partition: number,
  limit: number,
): Promise<
  {
    offset: number;
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, Buffer | string | undefined>;
  }[]
> {
  const groupId = `test-raw-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const out: {
    offset: number;
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, Buffer | string | undefined>;
  }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (batch.partition !== partition) return;
      for (const m of batch.messages) {
        if (out.length < limit)
          out.push({
            offset: Number(m.offset),
            key: m.key,
            value: m.value,
            headers: (m.headers ?? {}) as Record<string, Buffer | string | undefined>,
          });
      }
    },
  });
  await waitUntil(() => out.length >= limit, `${limit} messages of ${topic}[${partition}]`, 60_000);
  await consumer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  return out;
}
