import { randomUUID } from 'node:crypto';
import { Partitioners, type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from '../../lib/logger.js';
import { DeliveryProgress, type LogEntry, type LogRecord, type RegistryLog } from './log.js';

/** Confluent's default name for the registry's topic (kafkastore.topic). */
export const DEFAULT_SCHEMAS_TOPIC = '_schemas';

export interface KafkaRegistryLogOptions {
  kafka: Kafka;
  topic?: string;
  logger: Logger;
  /** How long the initial read of the topic may take. */
  openTimeoutMs?: number;
}

/**
 * The registry's log as a one-partition compacted Kafka topic. Writes go through an idempotent
 * producer with acks=all; every instance reads the whole topic with its own consumer group (a
 * fresh group id that never commits: the registry always reads from the beginning, and kafkajs
 * has no group-less consumer).
 */
export class KafkaRegistryLog implements RegistryLog {
  readonly topic: string;
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly openTimeoutMs: number;
  private readonly progress = new DeliveryProgress();
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;

  constructor(options: KafkaRegistryLogOptions) {
    this.kafka = options.kafka;
    this.topic = options.topic ?? DEFAULT_SCHEMAS_TOPIC;
    this.logger = options.logger;
    this.openTimeoutMs = options.openTimeoutMs ?? 60_000;
  }

  async open(onRecord: (record: LogRecord) => void): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.ensureTopic(this.admin);

    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Every record names its partition (0); the partitioner is never consulted.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();

    const consumer = this.kafka.consumer({
      groupId: `recostream-registry-${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error(
        { err: payload.error, restart: payload.restart },
        payload.restart
          ? 'schemas topic reader crashed; kafkajs restarts it'
          : 'schemas topic reader stopped; writes will time out until the registry restarts',
      );
    });
    const end = await this.lastOffset();
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          // The group never commits, so after a rebalance kafkajs starts again from the
          // beginning: records already folded in must not be applied twice.
          if (offset <= this.progress.offset) continue;
          onRecord({
            offset,
            key: m.key ? m.key.toString('utf8') : '',
            value: m.value === null ? null : m.value.toString('utf8'),
          });
          this.progress.advance(offset);
        }
      },
    });
    await this.progress.waitFor(end, this.openTimeoutMs, `reading ${this.topic}`);
    this.logger.info({ topic: this.topic, records: end + 1 }, 'schemas topic read to its end');
  }

  /** Creates the topic (one partition: the order of records is the order of decisions). */
  private async ensureTopic(admin: Admin): Promise<void> {
    // Look first: kafkajs logs an error for TOPIC_ALREADY_EXISTS, the normal case on a restart.
    const exists = (await admin.listTopics()).includes(this.topic);
    const created =
      !exists &&
      (await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.topic,
            numPartitions: 1,
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
          },
        ],
      }));
    if (created) {
      this.logger.info({ topic: this.topic }, 'created the schemas topic');
      return;
    }
    const metadata = await admin.fetchTopicMetadata({ topics: [this.topic] });
    const partitions = metadata.topics[0]?.partitions.length ?? 0;
    if (partitions !== 1) {
      throw new Error(
        `the schemas topic ${this.topic} has ${partitions} partitions; the registry needs exactly 1 (records must keep one order)`,
      );
    }
  }

  async append(entries: LogEntry[]): Promise<number> {
    if (!this.producer) throw new Error('the schemas log is not open');
    const [result] = await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: entries.map((e) => ({ key: e.key, value: e.value, partition: 0 })),
    });
    if (!result?.baseOffset) throw new Error(`the broker did not report where the records were written`);
    return Number(result.baseOffset) + entries.length - 1;
  }

  async lastOffset(): Promise<number> {
    if (!this.admin) throw new Error('the schemas log is not open');
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    const p0 = offsets.find((o) => o.partition === 0);
    return p0 ? Number(p0.high) - 1 : -1;
  }

  waitFor(offset: number, timeoutMs: number): Promise<void> {
    return this.progress.waitFor(offset, timeoutMs, `reading ${this.topic}`);
  }

  async close(): Promise<void> {
    const parts = [this.consumer, this.producer, this.admin];
    this.consumer = this.producer = this.admin = undefined;
    for (const part of parts) {
      try {
        await part?.disconnect();
      } catch (err) {
        this.logger.warn({ err }, 'error while disconnecting from the broker');
      }
    }
  }
}
