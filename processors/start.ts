import type { Kafka } from 'kafkajs';
import type { HealthRegistry } from '../lib/health.js';
import { createKafka } from '../lib/kafka.js';
import type { Logger } from '../lib/logger.js';
import { AvroSerde } from '../schemas/serde.js';
import { ItemCatalog } from './catalog.js';
import { FeatureProcessor, type ProcessorStatus } from './runtime/processor.js';
import { itemFeaturesSpec } from './specs/item-features.js';
import { userFeaturesSpec } from './specs/user-features.js';
import { ensureTopics } from './topics.js';

/**
 * Starting and stopping processors: what `recostream process`, `reprocess` and `up` call. Each
 * processor joins the consumer group of its name and version; running more instances (in more
 * processes) spreads the partitions over them.
 */

export const PROCESSOR_NAMES = ['user-features', 'item-features'] as const;
export type ProcessorSelection = (typeof PROCESSOR_NAMES)[number] | 'all';

export interface StartProcessorsOptions {
  which: ProcessorSelection;
  version: string;
  kafkaBrokers: string[];
  registryUrl: string;
  redisUrl: string;
  logger: Logger;
  dedupeHorizonDays: number;
  /** Partitions processed at the same time per processor (default 2). */
  concurrency?: number;
  health?: HealthRegistry;
  /** kafkajs client id (default recostream-processor). */
  clientId?: string;
  sessionTimeoutMs?: number;
}

/** A started processor, whatever its entity. */
export interface RunningProcessor {
  readonly groupId: string;
  status(): ProcessorStatus;
  stop(): Promise<void>;
}

export interface RunningProcessors {
  readonly processors: RunningProcessor[];
  status(): ProcessorStatus[];
  stop(): Promise<void>;
}

function common(opts: StartProcessorsOptions, kafka: Kafka, serde: AvroSerde) {
  return {
    kafka,
    serde,
    registryUrl: opts.registryUrl,
    redisUrl: opts.redisUrl,
    version: opts.version,
    logger: opts.logger,
    dedupeHorizonDays: opts.dedupeHorizonDays,
    concurrency: opts.concurrency,
    health: opts.health,
    sessionTimeoutMs: opts.sessionTimeoutMs,
  };
}

export async function startProcessors(opts: StartProcessorsOptions): Promise<RunningProcessors> {
  const kafka = createKafka({
    brokers: opts.kafkaBrokers,
    clientId: opts.clientId ?? 'recostream-processor',
    logger: opts.logger,
  });
  const serde = new AvroSerde({ url: opts.registryUrl });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin, opts.version);
    if (created.length > 0) opts.logger.info({ topics: created }, 'created missing topics');
  } finally {
    await admin.disconnect();
  }

  const started: RunningProcessor[] = [];
  let catalog: ItemCatalog | undefined;
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
    await catalog?.stop();
  };
  try {
    if (opts.which === 'all' || opts.which === 'user-features') {
      catalog = new ItemCatalog({ kafka, serde, logger: opts.logger });
      await catalog.start();
      const p = new FeatureProcessor(userFeaturesSpec, {
        ...common(opts, kafka, serde),
        catalog,
        forward: true,
      });
      started.push(p);
      await p.start();
    }
    if (opts.which === 'all' || opts.which === 'item-features') {
      const p = new FeatureProcessor(itemFeaturesSpec, {
        ...common(opts, kafka, serde),
        repartitioned: true,
      });
      started.push(p);
      await p.start();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    processors: started,
    status: () => started.map((p) => p.status()),
    stop,
  };
}
