import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { launchRedis } from '../../embedded/redis/launcher.js';
import { startRegistry } from '../../embedded/registry/index.js';
import { createKafka } from '../../lib/kafka.js';
import { silentLogger } from '../../lib/logger.js';
import { AvroSerde } from '../../schemas/serde.js';
import { spawnBroker } from '../../tests/harness/processes.js';
import { applyTopology } from '../../topology/apply.js';

export interface BenchStackOptions {
  /** Where the parts keep their data (`broker/`, `redis/` below it). */
  dir: string;
  /** kafkajs client id of the stack's client. */
  clientId: string;
  /** The broker's fsync policy (`always`, `interval:MS`, `never`); unset: the broker's default. */
  flush?: string;
  /** A redis-server child process with AOF, as `recostream up` runs it. */
  redis?: boolean;
}

export interface BenchStack {
  brokers: string;
  registryUrl: string;
  redisUrl: string | undefined;
  kafka: Kafka;
  serde: AvroSerde;
  /** Has `stop()` run `close` first: what the benchmark started on top of the stack stops before it. */
  defer(close: () => Promise<unknown> | unknown): void;
  /** Stops everything, the last started first. */
  stop(): Promise<void>;
}

/**
 * The parts the pipeline benchmarks run on, placed as in production: the broker as a child
 * process (a core of its own, not sharing the event loop of what is measured), redis-server as a
 * child, the registry in this process; topics and schemas of version v1 applied.
 */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const closers: (() => Promise<unknown> | unknown)[] = [];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch {
        // Stopping the rest matters more than one part that failed to stop.
      }
    }
  };
  try {
    const broker = await spawnBroker(
      path.join(options.dir, 'broker'),
      options.flush === undefined ? [] : ['--flush', options.flush],
    );
    closers.push(() => broker.stop());
    let redisUrl: string | undefined;
    if (options.redis) {
      const redis = await launchRedis({ dataDir: path.join(options.dir, 'redis'), logger: silentLogger });
      closers.push(() => redis.stop());
      redisUrl = redis.url;
    }
    const registry = await startRegistry({ port: 0, brokers: [broker.brokers], logger: silentLogger });
    closers.push(() => registry.close());
    const kafka = createKafka({
      brokers: [broker.brokers],
      clientId: options.clientId,
      logger: silentLogger,
    });
    const serde = new AvroSerde({ url: registry.url });
    await applyTopology({ kafka, serde, featureVersion: 'v1', logger: silentLogger });
    return {
      brokers: broker.brokers,
      registryUrl: registry.url,
      redisUrl,
      kafka,
      serde,
      defer: (close) => void closers.push(close),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
