import type { Config } from '../lib/config.js';
import { createKafka } from '../lib/kafka.js';
import type { Logger } from '../lib/logger.js';
import { createRedis } from '../lib/redis.js';
import { createKafkaReplaySink } from '../replay/kafka-sink.js';
import { redisTrainerClient } from '../training/remote/redis-channel.js';
import { promotedModelSource } from '../training/serving/model-source.js';
import { AvroSerde } from '../schemas/serde.js';
import { openReadOnlyClickHouse, type ReadOnlyClickHouse } from '../sinks/clickhouse/query.js';
import { createFeatureReader } from '../sinks/redis/reader.js';
import type { ApiDeps } from './context.js';
import { KafkaRecordProducer } from './kafka-producer.js';
import type { TrainerClient } from './ports.js';
import type { ServedModelSource } from './recommend/types.js';
import { replayUploads } from './uploads.js';

/**
 * The API's collaborators built from configuration, for `recostream api`. `recostream up` builds
 * the same ApiDeps from the clients it already has (see api/README.md).
 */

export interface WireOptions {
  /**
   * ClickHouse for SQL (and the purchases of versions older than the purchase index). Default: the
   * server at CLICKHOUSE_URL, or none — the embedded chDB belongs to the process running the
   * ClickHouse sink, and the API must not take it from that process.
   */
  clickhouse?: ReadOnlyClickHouse | null;
  trainer?: TrainerClient | null;
  /** The promoted model. Default: the pointer in DATA_DIR/models (training/serving/model-source.ts). */
  servedModels?: ServedModelSource | null;
}

export interface WiredApi {
  deps: ApiDeps;
  /** Disconnects everything this function connected, the producer last (it flushes). */
  close(): Promise<void>;
}

export async function wireApi(config: Config, logger: Logger, options: WireOptions = {}): Promise<WiredApi> {
  if (!config.redisUrl) {
    throw new Error(
      'REDIS_URL is not set: `recostream api` reads features from the Redis the processors write ' +
        '(`recostream up` runs an embedded redis-server; otherwise set REDIS_URL=redis://host:port)',
    );
  }
  const log = logger.child({ part: 'api' });
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'recostream-api', logger: log });
  const serde = new AvroSerde({ url: config.schemaRegistryUrl });
  // Auto-pipelining (createRedis' default): the commands of concurrent requests leave in one write.
  const redis = createRedis(config.redisUrl, log);
  // The feature reader combines the lookups of one event-loop turn into one script call itself;
  // auto-pipelining on top of that only adds a pipeline object per call (13–15 against 17–23 µs of
  // CPU per lookup, docs/BENCHMARKS.md "API"), so the reader has a connection of its own without it.
  const featureRedis = createRedis(config.redisUrl, log, { enableAutoPipelining: false });
  const closers: (() => Promise<unknown>)[] = [
    async () => redis.quit().catch(() => redis.disconnect()),
    async () => featureRedis.quit().catch(() => featureRedis.disconnect()),
  ];
  try {
    const producer = await KafkaRecordProducer.connect(kafka, serde);
    closers.unshift(() => producer.close());
    const replaySink = await createKafkaReplaySink({
      brokers: config.kafkaBrokers,
      registryUrl: config.schemaRegistryUrl,
      logger: log,
    });
    closers.unshift(() => replaySink.close());
    let clickhouse = options.clickhouse ?? null;
    if (options.clickhouse === undefined && config.clickhouseUrl) {
      clickhouse = await openReadOnlyClickHouse({ url: config.clickhouseUrl, chdbDir: '', logger: log });
      const ch = clickhouse;
      closers.push(() => ch.close());
    }
    // The served model: the one the trainer's promotion pointer (DATA_DIR/models/promoted.json)
    // names, as in `recostream up` — one way of following promotions, with the served artifact's
    // checksum verified before it is swapped in. A trainer in another process or container
    // shares DATA_DIR/models with this one (docker-compose.yml: the `models` volume).
    const servedModels =
      options.servedModels !== undefined
        ? options.servedModels
        : promotedModelSource({ dataDir: config.dataDir, logger: log });
    const deps: ApiDeps = {
      config,
      logger,
      kafka,
      producer,
      serde,
      schemaRegistryUrl: config.schemaRegistryUrl,
      redis,
      features: createFeatureReader(featureRedis),
      clickhouse,
      uploads: replayUploads(replaySink, log),
      // Default: the trainer of another process (`recostream trainer`), reached over Redis; it
      // answers 503 at once while none runs.
      trainer: options.trainer !== undefined ? options.trainer : redisTrainerClient(redis),
      servedModels,
    };
    return {
      deps,
      close: async () => {
        for (const close of closers) await close().catch((err: unknown) => log.warn({ err }, 'close failed'));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => undefined);
    throw err;
  }
}
