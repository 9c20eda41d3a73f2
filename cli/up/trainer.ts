import type { Kafka } from 'kafkajs';
import type { TrainerClient } from '../../api/ports.js';
import type { ServedModelSource } from '../../api/recommend/types.js';
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import type { AvroSerde } from '../../schemas/serde.js';

/**
 * The training daemon inside `recostream up`: it follows the active feature version, trains when
 * its trigger policy fires or when asked (POST /v1/training/runs), reads labels from the
 * ClickHouse this process writes, and promotes models into DATA_DIR/models, from where the API
 * serves them without a restart.
 */

export interface UpTrainerDeps {
  config: Config;
  kafka: Kafka;
  serde: AvroSerde;
  /** Read-only SQL on the sink's tables (labels). */
  clickhouse: ReadOnlyClickHouse;
  logger: Logger;
}

export interface UpTrainer {
  client: TrainerClient;
  servedModels: ServedModelSource;
  stop(): Promise<void>;
}

export async function startUpTrainer(deps: UpTrainerDeps): Promise<UpTrainer> {
  const [
    { startTrainer },
    { trainerClient },
    { promotedModelSource },
    { policyFromConfig },
    { serveTrainerOverRedis },
    { createRedis },
  ] = await Promise.all([
    import('../../training/trainer.js'),
    import('../../training/trainer-client.js'),
    import('../../training/serving/model-source.js'),
    import('../../training/trigger/policy.js'),
    import('../../training/remote/redis-channel.js'),
    import('../../lib/redis.js'),
  ]);
  const { config, logger } = deps;
  // Follows the active-version pointer, so a `reprocess --switch` retargets training too.
  const redis = config.redisUrl
    ? createRedis(config.redisUrl, logger, { enableAutoPipelining: false })
    : undefined;
  try {
    const trainer = await startTrainer({
      kafka: deps.kafka,
      serde: deps.serde,
      clickhouse: deps.clickhouse,
      dataDir: config.dataDir,
      logger,
      featureVersion: config.featureVersion,
      redis,
      // TRAIN_* variables, as for `recostream trainer`.
      policy: policyFromConfig(config.training),
      promotionMetric: config.training.promotionMetric,
    });
    // `recostream train` and a separate `recostream api` reach a trainer over Redis.
    const channel = redis ? serveTrainerOverRedis(trainer, redis, logger) : undefined;
    return {
      client: trainerClient(trainer),
      servedModels: promotedModelSource({ dataDir: config.dataDir, logger }),
      stop: async () => {
        await channel?.close();
        // A run in progress finishes first, so its record does not stay `running`.
        await trainer.close();
        redis?.disconnect();
      },
    };
  } catch (err) {
    redis?.disconnect();
    throw err;
  }
}
