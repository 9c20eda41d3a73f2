import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { AvroSerde } from '../schemas/serde.js';
import { SchemaValidationError } from '../schemas/serde.js';
import type { RecordName, RecordTypes } from '../schemas/types.js';
import { findDeclaration } from '../topology/topics.js';
import type { ApiTopic, ApiTopicRecords, ProduceOutcome, RecordProducer } from './ports.js';

/**
 * The API's RecordProducer over kafkajs: each record encoded with its topic's registered schema
 * (Confluent wire format), keyed by the declaration's key field, sent by an idempotent producer
 * with acks=all. A record that does not fit its schema is reported by index; a broker that does
 * not acknowledge fails the whole call (nothing is reported accepted that was not stored).
 *
 * When the shared typed producer (topology/producer.ts) is wired, it replaces this class: it has
 * the same produce(topic, records) contract.
 */
export class KafkaRecordProducer implements RecordProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly serde: AvroSerde,
  ) {}

  static async connect(kafka: Kafka, serde: AvroSerde): Promise<KafkaRecordProducer> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The default partitioner, named: without it kafkajs warns about its v2 change at every start.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new KafkaRecordProducer(producer, serde);
  }

  async produce<T extends ApiTopic>(
    topic: T,
    records: readonly ApiTopicRecords[T][],
  ): Promise<ProduceOutcome> {
    const declaration = findDeclaration(topic);
    if (!declaration) throw new Error(`topic ${topic} is not declared in topology/topics.ts`);
    const record = declaration.valueRecord as RecordName;
    const schemaId = await this.serde.schemaId(topic, record);
    const failed: ProduceOutcome['failed'] = [];
    const messages: { key: string; value: Buffer }[] = [];
    for (let index = 0; index < records.length; index++) {
      const value = records[index]!;
      try {
        messages.push({
          key: String((value as unknown as Record<string, unknown>)[declaration.keyField]),
          value: this.serde.encodeWithId(schemaId, record, value as unknown as RecordTypes[RecordName]),
        });
      } catch (err) {
        if (!(err instanceof SchemaValidationError)) throw err;
        failed.push({ index, reason: err.message });
      }
    }
    if (messages.length > 0) await this.producer.send({ topic, messages, acks: -1 });
    return { sent: messages.length, failed };
  }

  async tombstone(topic: 'items' | 'users', key: string): Promise<void> {
    await this.producer.send({ topic, messages: [{ key, value: null }], acks: -1 });
  }

  /** Waits for what is in flight and disconnects. */
  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
