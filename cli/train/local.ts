import type { Admin } from 'kafkajs';
import type { Config } from '../../lib/config.js';
import { createKafka } from '../../lib/kafka.js';
import type { Logger } from '../../lib/logger.js';
import { createRedis } from '../../lib/redis.js';
import { AvroSerde } from '../../schemas/serde.js';
import type { TrainingRun } from '../../schemas/types.js';
import { DEFAULT_SINK_GROUP } from '../../sinks/clickhouse/sink.js';
import { activeVersion } from '../../sinks/redis/versions.js';
import { TypedProducer } from '../../topology/producer.js';
import { TOPIC } from '../../topology/topics.js';
import { executeRun } from '../../training/runs/execute.js';
import { newRunId, type RunDefinition } from '../../training/runs/record.js';
import { RunRegistry } from '../../training/runs/registry.js';
import { openTrainingClickHouse } from './clickhouse.js';
import type { TrainCommandOptions } from './options.js';
import type { RunProgressView } from './progress.js';

/**
 * One run in this process (`recostream train` when no API with a trainer answers): the snapshot,
 * the labels, the computation on a worker thread, promotion and the run record — the same code
 * path as the daemon's runs. This process runs the ClickHouse sink when nobody else does (with
 * the embedded chDB it must: it owns the data directory), until the run's record is stored.
 */
export async function trainInProcess(
  config: Config,
  opts: TrainCommandOptions,
  logger: Logger,
  view: RunProgressView,
): Promise<TrainingRun> {
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'recostream-train', logger });
  const serde = new AvroSerde({ url: config.schemaRegistryUrl });
  const admin = kafka.admin();
  await admin.connect();
  const producer = new TypedProducer(kafka, serde, { logger });
  const closers: (() => Promise<unknown>)[] = [() => admin.disconnect(), () => producer.disconnect()];
  try {
    const featureVersion = await resolveVersion(config, logger);
    const clickhouse = await openTrainingClickHouse({
      config,
      kafka,
      admin,
      serde,
      logger,
      sink: 'auto',
      ownedHint:
        'Request the run from the API of that process instead (`recostream train --api http://host:port`), ' +
        'or stop it first.',
    });
    closers.unshift(() => clickhouse.close());
    const registry = new RunRegistry({ kafka, admin, serde, producer, logger });
    const def: RunDefinition = {
      runId: newRunId(Date.now()),
      trigger: 'manual',
      featureVersion,
      protocol: opts.protocol,
      folds: opts.protocol === 'kfold' ? opts.folds : null,
      seed: opts.seed,
      models: opts.model ? [opts.model] : null,
      params: {},
      promotionMetric: opts.metric ?? config.training.promotionMetric,
      reason: opts.reason,
    };
    const { run } = await executeRun(
      {
        kafka,
        admin,
        serde,
        labels: clickhouse.labels,
        registry,
        logger,
        dataDir: config.dataDir,
        sink: { groupId: DEFAULT_SINK_GROUP, timeoutMs: opts.sinkTimeoutMs },
        // A worker thread: the sink (and the progress bar) keep running while models fit.
        isolation: 'worker',
        now: Date.now,
      },
      def,
      { onProgress: (p) => view.update(p.fraction, p.message) },
    );
    view.stop();
    if (clickhouse.sink) await storedRunRecords(admin, logger);
    return run;
  } finally {
    view.stop();
    for (const close of closers) await close().catch((err: unknown) => logger.warn({ err }, 'close failed'));
  }
}

/** The active feature version (Redis, when configured), else FEATURE_VERSION. */
async function resolveVersion(config: Config, logger: Logger): Promise<string> {
  if (!config.redisUrl) return config.featureVersion;
  const redis = createRedis(config.redisUrl, logger, { maxRetriesPerRequest: 2 });
  try {
    return (await activeVersion(redis)) ?? config.featureVersion;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'Redis unreachable; training FEATURE_VERSION');
    return config.featureVersion;
  } finally {
    redis.disconnect();
  }
}

/** Waits (up to 30 s) for the sink in this process to store the run's records in training_runs. */
async function storedRunRecords(admin: Admin, logger: Logger): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ends = await admin.fetchTopicOffsets(TOPIC.trainingRuns);
    const [committed] = await admin.fetchOffsets({
      groupId: DEFAULT_SINK_GROUP,
      topics: [TOPIC.trainingRuns],
    });
    const behind = ends.some((e) => {
      const c = committed?.partitions.find((p) => p.partition === e.partition);
      return Number(e.high) > Math.max(0, Number(c?.offset ?? 0));
    });
    if (!behind) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  logger.warn('the run record is on training-runs but not yet in ClickHouse training_runs');
}
