import { loadConfig } from '../../lib/config.js';
import { createKafka } from '../../lib/kafka.js';
import { logger as rootLogger } from '../../lib/logger.js';
import { createRedis } from '../../lib/redis.js';
import { AvroSerde } from '../../schemas/serde.js';
import { isPromotionMetric } from '../../training/runs/record.js';
import { isModelKind } from '../../training/trainer-client.js';
import { startTrainer } from '../../training/trainer.js';
import { policyFromConfig } from '../../training/trigger/policy.js';
import { untilSignal } from '../process/common.js';
import { openTrainingClickHouse } from './clickhouse.js';

export interface TrainerCommandOptions {
  minChanged?: number;
  minInterval?: number;
  maxInterval?: number;
  metric?: string;
  model?: string;
  protocol: string;
  folds: number;
  seed: number;
  sink: string;
  checkInterval: number;
}

/** `recostream trainer`: the daemon until SIGINT/SIGTERM (a run in progress finishes first). */
export async function runTrainerCommand(opts: TrainerCommandOptions): Promise<void> {
  const config = loadConfig();
  const log = rootLogger.child({ command: 'trainer' });
  if (opts.model !== undefined && !isModelKind(opts.model))
    throw new Error(`--model: unknown model ${opts.model}`);
  const metric = opts.metric ?? config.training.promotionMetric;
  if (!isPromotionMetric(metric))
    throw new Error(`--metric: ${metric} is not a metric (rmse, mae, ndcg@10, ...)`);
  const policy = policyFromConfig({
    minChangedEntities: opts.minChanged ?? config.training.minChangedEntities,
    minIntervalMinutes: opts.minInterval ?? config.training.minIntervalMinutes,
    maxIntervalHours: opts.maxInterval ?? config.training.maxIntervalHours,
  });

  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'recostream-trainer', logger: log });
  const serde = new AvroSerde({ url: config.schemaRegistryUrl });
  const admin = kafka.admin();
  await admin.connect();
  const closers: (() => Promise<unknown>)[] = [() => admin.disconnect()];
  const close = async () => {
    for (const c of closers) await c().catch((err: unknown) => log.warn({ err }, 'close failed'));
  };
  try {
    const redis = config.redisUrl ? createRedis(config.redisUrl, log) : undefined;
    if (redis) closers.push(async () => redis.quit().catch(() => redis.disconnect()));
    const clickhouse = await openTrainingClickHouse({
      config,
      kafka,
      admin,
      serde,
      logger: log,
      sink: opts.sink === 'always' ? 'always' : opts.sink === 'never' ? 'never' : 'auto',
      ownedHint:
        'With the embedded chDB the trainer runs in the process that owns it: `recostream up` runs one; ' +
        'or set CLICKHOUSE_URL to a ClickHouse server.',
    });
    closers.unshift(() => clickhouse.close());
    const trainer = await startTrainer({
      kafka,
      serde,
      clickhouse: clickhouse.labels,
      dataDir: config.dataDir,
      logger: log,
      featureVersion: config.featureVersion,
      redis,
      policy,
      promotionMetric: metric,
      defaults: {
        models: opts.model ? [opts.model] : undefined,
        protocol: opts.protocol === 'kfold' ? 'kfold' : 'temporal',
        folds: opts.folds,
        seed: opts.seed,
      },
      checkIntervalMs: opts.checkInterval * 1000,
    });
    closers.unshift(() => trainer.close());
    if (redis) {
      const { serveTrainerOverRedis } = await import('../../training/remote/redis-channel.js');
      const served = serveTrainerOverRedis(trainer, redis, log);
      closers.unshift(() => served.close());
    }
    const signal = await untilSignal();
    log.info({ signal, running: trainer.status().running?.runId ?? null }, 'stopping the trainer');
  } finally {
    await close();
  }
}
