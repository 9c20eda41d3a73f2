import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../lib/kafka.js';
import type { Logger } from '../lib/logger.js';
import { AvroSerde } from '../schemas/serde.js';
import type { ReplayManifest } from '../schemas/types.js';
import { TypedProducer } from '../topology/producer.js';
import { TOPIC } from '../topology/topics.js';
import type { ManifestStore, RecordProducer, ReplaySink } from './sink.js';

/** How long reading the manifests may take, the broker's absences included. */
const MANIFEST_READ_TIMEOUT_MS = 30_000;

/**
 * Manifests on the compacted replay-manifests topic: `latest` reads the topic from the start to
 * its end offset (a small topic) and keeps the last record of the key.
 */
export class KafkaManifestStore implements ManifestStore {
  constructor(
    private readonly kafka: Kafka,
    private readonly serde: AvroSerde,
    private readonly producer: RecordProducer,
    private readonly logger: Logger,
  ) {}

  async latest(replayKey: string): Promise<ReplayManifest | null> {
    try {
      return await this.readLatest(replayKey);
    } catch (err) {
      throw new Error(
        `could not read the replay manifests (topic ${TOPIC.replayManifests}): ${(err as Error).message}`,
      );
    }
  }

  private async readLatest(replayKey: string): Promise<ReplayManifest | null> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: { partition: number; offset: string; low: string }[];
    try {
      if (!(await admin.listTopics()).includes(TOPIC.replayManifests)) return null;
      ends = await admin.fetchTopicOffsets(TOPIC.replayManifests);
    } finally {
      await admin.disconnect();
    }
    const pending = new Set(ends.filter((e) => BigInt(e.offset) > BigInt(e.low)).map((e) => e.partition));
    if (pending.size === 0) return null;
    const endOf = new Map(ends.map((e) => [e.partition, BigInt(e.offset)]));
    // A throwaway group that never commits: kafkajs consumers always join one.
    const consumer = this.kafka.consumer({ groupId: `recostream-replay-manifests-${randomUUID()}` });
    let found: ReplayManifest | null = null;
    await consumer.connect();
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.subscribe({ topic: TOPIC.replayManifests, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        // kafkajs restarts a consumer that crashed on a retriable error (the broker gone away)
        // for as long as it takes, and this promise would wait for ever, silently. The replay
        // waits about as long as its producer would, then fails with the last error.
        let lastError: Error | null = null;
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `not read within ${MANIFEST_READ_TIMEOUT_MS / 1000} s` +
                  (lastError ? `: ${lastError.message}` : ''),
              ),
            ),
          MANIFEST_READ_TIMEOUT_MS,
        );
        consumer.on(consumer.events.CRASH, (event) => {
          lastError = event.payload.error;
          if (!event.payload.restart) reject(event.payload.error);
        });
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (message.key?.toString() === replayKey && message.value) {
                found = await this.serde.decode('ReplayManifest', message.value);
              }
              if (BigInt(message.offset) + 1n >= endOf.get(partition)!) {
                pending.delete(partition);
                if (pending.size === 0) resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      clearTimeout(timer);
      await consumer
        .disconnect()
        .catch((err: unknown) => this.logger.debug({ err }, 'manifest reader disconnect'));
    }
    return found;
  }

  async record(manifest: ReplayManifest): Promise<void> {
    const result = await this.producer.produce(TOPIC.replayManifests, [manifest]);
    if (result.failed.length > 0) throw new Error(`manifest not written: ${result.failed[0]!.reason}`);
  }
}

export interface KafkaSinkOptions {
  brokers: string[];
  registryUrl: string;
  logger: Logger;
  /** Records per produce request of the typed producer (its default when absent). */
  maxBatchRecords?: number;
}

/**
 * A sink over clients the caller already has (the API's upload route: its kafkajs client, serde
 * and typed producer). Closing it leaves them open: their owner closes them.
 */
export function replaySinkFrom(clients: {
  kafka: Kafka;
  serde: AvroSerde;
  producer: TypedProducer;
  logger: Logger;
}): ReplaySink {
  const producer: RecordProducer = {
    produce: (topic, records) => clients.producer.produce(topic, records as never),
  };
  return {
    producer,
    manifests: new KafkaManifestStore(clients.kafka, clients.serde, producer, clients.logger),
    close: async () => {},
  };
}

/**
 * The sink a replay against a real broker and registry uses: the shared typed producer
 * (acks=all, idempotent, keyed by the declared key field) and manifests on replay-manifests.
 */
export async function createKafkaReplaySink(options: KafkaSinkOptions): Promise<ReplaySink> {
  const kafka = createKafka({
    brokers: options.brokers,
    clientId: 'recostream-replay',
    logger: options.logger,
  });
  const serde = new AvroSerde({ url: options.registryUrl });
  const typed = new TypedProducer(kafka, serde, {
    logger: options.logger,
    maxBatchRecords: options.maxBatchRecords,
  });
  await typed.connect();
  const producer: RecordProducer = {
    // replay hands over records normalised for the topic's declared value record.
    produce: (topic, records) => typed.produce(topic, records as never),
  };
  return {
    producer,
    manifests: new KafkaManifestStore(kafka, serde, producer, options.logger),
    close: () => typed.disconnect(),
  };
}
