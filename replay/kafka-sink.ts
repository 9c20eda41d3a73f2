import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { createKafka } from '../lib/kafka.js';
import type { Logger } from '../lib/logger.js';
import { AvroSerde, SchemaValidationError } from '../schemas/serde.js';
import type { RecordName, RecordTypes, ReplayManifest } from '../schemas/types.js';
import { findDeclaration, TOPIC } from '../topology/topics.js';
import type { ManifestStore, ProduceResult, RecordProducer, ReplaySink } from './sink.js';

/**
 * Produces records of declared topics: encoded with the registered schema (Confluent wire
 * format), keyed by the declaration's key field, acks=all through kafkajs' idempotent producer.
 * A record that does not fit its schema is reported by index instead of failing the batch.
 *
 * This is replay's adapter until the shared typed producer (topology/producer.ts) is available;
 * it has the same `produce(topic, records)` contract, so swapping is a one-line change.
 */
export class SerdeRecordProducer implements RecordProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly serde: AvroSerde,
  ) {}

  static async connect(kafka: Kafka, serde: AvroSerde): Promise<SerdeRecordProducer> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return new SerdeRecordProducer(producer, serde);
  }

  async produce(topic: string, records: readonly object[]): Promise<ProduceResult> {
    const declaration = findDeclaration(topic);
    if (!declaration) throw new Error(`topic ${topic} is not declared in topology/topics.ts`);
    const record = declaration.valueRecord as RecordName;
    const schemaId = await this.serde.schemaId(topic, record);
    const failed: ProduceResult['failed'] = [];
    const messages: { key: string; value: Buffer }[] = [];
    records.forEach((value, index) => {
      try {
        const encoded = this.serde.encodeWithId(schemaId, record, value as RecordTypes[typeof record]);
        const key = (value as Record<string, unknown>)[declaration.keyField];
        messages.push({ key: String(key), value: encoded });
      } catch (err) {
        if (!(err instanceof SchemaValidationError)) throw err;
        failed.push({ index, reason: err.message, field: err.paths[0] });
      }
    });
    if (messages.length > 0) await this.producer.send({ topic, messages, acks: -1 });
    return { sent: messages.length, failed };
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

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
    try {
      await consumer.subscribe({ topic: TOPIC.replayManifests, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
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
  /** Use this producer (the shared typed producer) instead of replay's adapter. */
  producer?: RecordProducer;
}

/** The sink a replay against a real broker and registry uses. */
export async function createKafkaReplaySink(options: KafkaSinkOptions): Promise<ReplaySink> {
  const kafka = createKafka({
    brokers: options.brokers,
    clientId: 'recostream-replay',
    logger: options.logger,
  });
  const serde = new AvroSerde({ url: options.registryUrl });
  const own = options.producer ? null : await SerdeRecordProducer.connect(kafka, serde);
  const producer = options.producer ?? own!;
  return {
    producer,
    manifests: new KafkaManifestStore(kafka, serde, producer, options.logger),
    close: async () => {
      await own?.close();
    },
  };
}
