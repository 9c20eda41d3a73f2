import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { KafkaRecordProducer } from '../../api/kafka-producer.js';
import type { TrainerClient } from '../../api/ports.js';
import { startApi, type ApiDeps, type ApiSettings, type RunningApi } from '../../api/server.js';
import { replayUploads } from '../../api/uploads.js';
import { startProcessors, type RunningProcessors } from '../../processors/start.js';
import { ensureTopics } from '../../processors/topics.js';
import { createKafkaReplaySink } from '../../replay/kafka-sink.js';
import type { ReplaySink } from '../../replay/sink.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import { createFeatureReader, type FeatureReader } from '../../sinks/redis/reader.js';
import { startSinkedClickHouse } from './clickhouse.js';
import { startStack, type Stack } from './stack.js';

/**
 * The whole pipeline in this process for API tests and the API benchmark: broker, registry,
 * redis-server, topics, both feature processors, optionally chDB with the ClickHouse sink, and
 * the clients the API is built from. `api()` starts an API on a free port over those clients.
 */

export interface ApiStackOptions {
  processors?: boolean;
  clickhouse?: boolean;
  version?: string;
}

export interface ApiStack {
  stack: Stack;
  kafka: Kafka;
  serde: AvroSerde;
  redis: Redis;
  features: FeatureReader;
  producer: KafkaRecordProducer;
  replaySink: ReplaySink;
  clickhouse: ReadOnlyClickHouse | null;
  /** The ApiDeps of this stack, with `overrides` applied. */
  deps(overrides?: Partial<ApiDeps>): ApiDeps;
  /** Starts an API on a free loopback port; stopped by `stop()`. */
  api(options?: {
    apiKey?: string;
    apiReadKey?: string;
    settings?: Partial<ApiSettings>;
    deps?: Partial<ApiDeps>;
    trainer?: TrainerClient | null;
  }): Promise<RunningApi>;
  stop(): Promise<void>;
}

export async function startApiStack(options: ApiStackOptions = {}): Promise<ApiStack> {
  const version = options.version ?? 'v1';
  const stack = await startStack({
    redis: true,
    broker: true,
    registry: true,
    clickhouse: options.clickhouse,
  });
  const closers: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await stack.stop();
  };
  try {
    const kafka = stack.kafka('api-test');
    const serde = stack.serde();
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, version);
    await admin.disconnect();

    let processors: RunningProcessors | undefined;
    if (options.processors) {
      processors = await startProcessors({
        which: 'all',
        version,
        kafkaBrokers: [stack.brokers!],
        registryUrl: stack.registryUrl!,
        redisUrl: stack.redisUrl!,
        logger: stack.logger,
        dedupeHorizonDays: 30,
        sessionTimeoutMs: 10_000,
      });
      closers.push(() => processors!.stop());
    }

    let clickhouse: ReadOnlyClickHouse | null = null;
    if (options.clickhouse) {
      const sinked = await startSinkedClickHouse(stack, kafka, serde);
      closers.push(() => sinked.sink.stop());
      clickhouse = sinked.clickhouse;
    }

    const producer = await KafkaRecordProducer.connect(kafka, serde);
    closers.push(() => producer.close());
    const replaySink = await createKafkaReplaySink({
      brokers: [stack.brokers!],
      registryUrl: stack.registryUrl!,
      logger: stack.logger,
    });
    closers.push(() => replaySink.close());
    const redis = stack.redis();
    const features = createFeatureReader(redis);

    const deps = (overrides: Partial<ApiDeps> = {}): ApiDeps => ({
      config: { apiKey: undefined, apiReadKey: undefined, featureVersion: version },
      logger: stack.logger,
      kafka,
      producer,
      serde,
      schemaRegistryUrl: stack.registryUrl!,
      redis,
      features,
      clickhouse,
      uploads: replayUploads(replaySink, stack.logger),
      trainer: null,
      ...overrides,
    });

    return {
      stack,
      kafka,
      serde,
      redis,
      features,
      producer,
      replaySink,
      clickhouse,
      deps,
      async api(o = {}) {
        const base = deps({ trainer: o.trainer ?? null, ...o.deps });
        const running = await startApi(
          { ...base, config: { ...base.config, apiKey: o.apiKey, apiReadKey: o.apiReadKey } },
          { port: 0, settings: { logRequests: false, ...o.settings } },
        );
        closers.push(() => running.close());
        return running;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
