import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { ClickHouseHandle } from '../../lib/clickhouse.js';
import { ensureTopics } from '../../processors/topics.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { Interaction, ItemFeatures, UserFeatures } from '../../schemas/types.js';
import type { ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import { DEFAULT_SINK_GROUP, type ClickHouseSink } from '../../sinks/clickhouse/sink.js';
import { TypedProducer } from '../../topology/producer.js';
import { itemFeaturesTopic, TOPIC, userFeaturesTopic } from '../../topology/topics.js';
import { generatePlanted, type PlantedOptions } from '../../training/synthetic.js';
import { computeFeatures } from '../oracle/batch-features.js';
import { waitForCommitted } from './kafka-io.js';
import { startSinkedClickHouse } from './clickhouse.js';
import { startStack, type Stack } from './stack.js';

/**
 * The parts a training run needs, in this process: broker, registry, redis-server, topics,
 * ClickHouse (chDB, or the server in containers mode) with the ClickHouse sink (which stores the labels and the run records), a read-only ClickHouse
 * for the trainer, a typed producer, and a models directory.
 */
export interface TrainingStack {
  stack: Stack;
  kafka: Kafka;
  admin: Admin;
  serde: AvroSerde;
  producer: TypedProducer;
  owner: ClickHouseHandle;
  clickhouse: ReadOnlyClickHouse;
  sink: ClickHouseSink;
  /** DATA_DIR of the trainer (models/ lives here). */
  dataDir: string;
  version: string;
  /** Produces interactions and waits until the sink has stored every one of them. */
  addInteractions(events: readonly Interaction[]): Promise<void>;
  /** Produces feature records as the processors would, computed in batch from `events`. */
  publishFeatures(events: readonly Interaction[], which?: 'users' | 'items' | 'both'): Promise<number>;
  stop(): Promise<void>;
}

export async function startTrainingStack(version = 'v1'): Promise<TrainingStack> {
  const stack = await startStack({ redis: true, broker: true, registry: true, clickhouse: true });
  const closers: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await stack.stop();
  };
  try {
    const kafka = stack.kafka('training-test');
    const serde = stack.serde();
    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await ensureTopics(admin, version);
    const producer = new TypedProducer(kafka, serde, { logger: stack.logger });
    closers.push(() => producer.disconnect());
    const { owner, sink, clickhouse } = await startSinkedClickHouse(stack, kafka, serde);
    closers.push(() => sink.stop());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'recostream-train-'));
    closers.push(() => rm(dataDir, { recursive: true, force: true }));

    const produceAll = async <T extends string>(
      topic: T,
      records: Parameters<TypedProducer['produce']>[1],
    ) => {
      const result = await producer.produce(topic, records as never);
      if (result.failed.length > 0) throw new Error(`produce to ${topic}: ${result.failed[0]!.reason}`);
    };

    return {
      stack,
      kafka,
      admin,
      serde,
      producer,
      owner,
      clickhouse,
      sink,
      dataDir,
      version,
      async addInteractions(events) {
        await produceAll(TOPIC.interactions, events as Interaction[]);
        await waitForCommitted(kafka, DEFAULT_SINK_GROUP, [TOPIC.interactions], { timeoutMs: 120_000 });
      },
      async publishFeatures(events, which = 'both') {
        const computed = computeFeatures({ interactions: [...events] });
        const header = { version, as_of: computed.clock, updated_at: computed.clock };
        let n = 0;
        if (which !== 'items') {
          const users: UserFeatures[] = [...computed.users].map(([user_id, v]) => ({
            user_id,
            ...header,
            ...v,
          }));
          await produceAll(userFeaturesTopic(version), users);
          n += users.length;
        }
        if (which !== 'users') {
          const items: ItemFeatures[] = [...computed.items].map(([item_id, v]) => ({
            item_id,
            ...header,
            ...v,
          }));
          await produceAll(itemFeaturesTopic(version), items);
          n += items.length;
        }
        return n;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Planted-preference events as Interaction records (ids `u<k>`, `i<k>`, events `e<k>`). */
export function plantedInteractions(options: PlantedOptions, idPrefix = 'e'): Interaction[] {
  return generatePlanted(options).rows.map((row, k) => ({
    event_id: `${idPrefix}${k}`,
    user_id: row.user_id,
    item_id: row.item_id,
    event_type: row.event_type,
    rating: row.rating,
    event_time: row.event_time,
    session_id: null,
    device_type: null,
    page_context: null,
    price: null,
    source: 'producer',
    ingest_time: row.event_time,
  }));
}
