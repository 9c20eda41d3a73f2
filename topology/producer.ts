import { Partitioners, type IHeaders, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Logger } from '../lib/logger.js';
import { silentLogger } from '../lib/logger.js';
import { SchemaValidationError, type AvroSerde } from '../schemas/serde.js';
import type { RecordTypes } from '../schemas/types.js';
import { findDeclaration, type TopicDeclaration, type TopicValueRecord } from './topics.js';

/** A record `produce` did not write, by its position in the input. */
export interface ProduceFailure {
  index: number;
  /** `invalid`: does not fit the schema or has no key (fix the record); `not-sent`: the broker did not take it (retry). */
  kind: 'invalid' | 'not-sent';
  reason: string;
  /** The first offending field (dotted path), when one is to blame. */
  field?: string;
}

export interface ProduceResult {
  sent: number;
  failed: ProduceFailure[];
}

/** An already encoded message for `produceEncoded`. */
export interface EncodedMessage {
  key: string | Buffer | null;
  /** null: a tombstone. */
  value: Buffer | null;
  timestamp?: number;
  headers?: IHeaders;
}

export interface TypedProducerOptions {
  logger?: Logger;
  /** Records per produce request (default 10,000). */
  maxBatchRecords?: number;
  /**
   * Approximate bytes per produce request (default 900 kB). kafkajs puts every record of one
   * partition into one record batch, and a topic accepts batches up to max.message.bytes
   * (1 MiB by default), so a request stays under that even if all its records hash to one
   * partition.
   */
  maxBatchBytes?: number;
}

/** Per-record overhead in a record batch (lengths, varints, attributes), for the byte budget. */
const RECORD_OVERHEAD_BYTES = 24;

/**
 * Writes typed records to recostream's topics: each value is encoded with the registered
 * schema of the topic's declared value record (Confluent wire format), keyed by the declared
 * key field, and sent in large batches by an idempotent producer with acks=all. A record that
 * does not fit its schema is reported and skipped; it never stops the others.
 */
export class TypedProducer {
  private readonly producer: Producer;
  private readonly logger: Logger;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly serde: AvroSerde,
    options: TypedProducerOptions = {},
  ) {
    this.logger = (options.logger ?? silentLogger).child({ part: 'producer' });
    this.maxBatchRecords = options.maxBatchRecords ?? 10_000;
    this.maxBatchBytes = options.maxBatchBytes ?? 900_000;
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Murmur2 of the key, like Kafka's Java clients: every producer puts a key on one partition.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connects (once); the other methods call it themselves. */
  connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((err: unknown) => {
      this.connected = undefined;
      throw err;
    });
    return this.connected;
  }

  /**
   * Encodes and sends `records` to `topic`. Records that do not fit are listed in `failed`
   * (kind `invalid`, with the field); if the broker refuses a batch, that batch and every later
   * record are listed as `not-sent` (order per key is kept: nothing after a failed batch is sent).
   */
  produce<T extends string>(
    topic: T,
    records: readonly RecordTypes[TopicValueRecord<T>][],
  ): Promise<ProduceResult> {
    return this.track(this.produceRecords(topic, records as readonly unknown[]));
  }

  /** Writes a tombstone (null value) for `key`: compaction then removes the key. */
  tombstone(topic: string, key: string): Promise<void> {
    return this.track(this.sendBatch(topic, [{ key, value: null }]));
  }

  /**
   * Sends already encoded messages (replay encodes while it reads); batches like `produce` and
   * throws if the broker refuses any batch.
   */
  produceEncoded(topic: string, messages: readonly EncodedMessage[]): Promise<void> {
    return this.track(
      (async () => {
        let batch: EncodedMessage[] = [];
        let bytes = 0;
        for (const m of messages) {
          const size = messageBytes(m);
          if (
            batch.length > 0 &&
            (batch.length >= this.maxBatchRecords || bytes + size > this.maxBatchBytes)
          ) {
            await this.sendBatch(topic, batch);
            batch = [];
            bytes = 0;
          }
          batch.push(m);
          bytes += size;
        }
        if (batch.length > 0) await this.sendBatch(topic, batch);
      })(),
    );
  }

  /** Resolves when every produce, tombstone and produceEncoded call made so far has finished. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async disconnect(): Promise<void> {
    await this.flush();
    if (this.connected) await this.producer.disconnect();
    this.connected = undefined;
  }

  private track<R>(work: Promise<R>): Promise<R> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  private declaration(topic: string): TopicDeclaration {
    const d = findDeclaration(topic);
    if (!d) throw new Error(`topic ${topic} is not declared in topology/topics.ts`);
    return d;
  }

  private async sendBatch(topic: string, batch: readonly EncodedMessage[]): Promise<void> {
    await this.connect();
    await this.producer.send({ topic, acks: -1, messages: batch as Message[] });
  }

  private async produceRecords(topic: string, records: readonly unknown[]): Promise<ProduceResult> {
    const declaration = this.declaration(topic);
    const schemaId = await this.serde.schemaId(topic, declaration.valueRecord);
    const failed: ProduceFailure[] = [];
    let sent = 0;
    let batch: EncodedMessage[] = [];
    let batchIndexes: number[] = [];
    let bytes = 0;

    const send = async (): Promise<boolean> => {
      try {
        await this.sendBatch(topic, batch);
        sent += batch.length;
        return true;
      } catch (err) {
        const reason = `not sent: ${(err as Error).message}`;
        this.logger.error({ err, topic, records: batch.length }, 'produce request failed');
        for (const index of batchIndexes) failed.push({ index, kind: 'not-sent', reason });
        return false;
      } finally {
        batch = [];
        batchIndexes = [];
        bytes = 0;
      }
    };

    // After a refused batch nothing more is sent (later records of a key must not overtake
    // earlier ones), but the rest is still checked so invalid records are reported as such.
    let stopped: string | undefined;
    for (let index = 0; index < records.length; index++) {
      const encoded = this.encode(schemaId, declaration, records[index], index);
      if ('kind' in encoded) {
        failed.push(encoded);
        continue;
      }
      const size = messageBytes(encoded);
      if (
        !stopped &&
        batch.length > 0 &&
        (batch.length >= this.maxBatchRecords || bytes + size > this.maxBatchBytes)
      ) {
        if (!(await send())) stopped = 'not sent: an earlier batch of this call was refused';
      }
      if (stopped) {
        failed.push({ index, kind: 'not-sent', reason: stopped });
        continue;
      }
      batch.push(encoded);
      batchIndexes.push(index);
      bytes += size;
    }
    if (batch.length > 0) await send();
    return { sent, failed: failed.sort((a, b) => a.index - b.index) };
  }

  private encode(
    schemaId: number,
    declaration: TopicDeclaration,
    record: unknown,
    index: number,
  ): EncodedMessage | ProduceFailure {
    const key = (record as Record<string, unknown> | null)?.[declaration.keyField];
    let value: Buffer;
    try {
      value = this.serde.encodeWithId(schemaId, declaration.valueRecord, record as never);
    } catch (err) {
      if (!(err instanceof SchemaValidationError)) throw err;
      const field = err.paths.find((p) => p !== '');
      return { index, kind: 'invalid', reason: err.message, ...(field ? { field } : {}) };
    }
    if (typeof key !== 'string') {
      return {
        index,
        kind: 'invalid',
        reason: `the key field ${declaration.keyField} is not a string`,
        field: declaration.keyField,
      };
    }
    return { key, value };
  }
}

function messageBytes(m: EncodedMessage): number {
  const key = m.key === null ? 0 : typeof m.key === 'string' ? Buffer.byteLength(m.key) : m.key.length;
  return key + (m.value?.length ?? 0) + RECORD_OVERHEAD_BYTES;
}
