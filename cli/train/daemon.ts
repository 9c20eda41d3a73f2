import type { Redis } from 'ioredis';
import { clickhouseProbe, registryProbe, type ReadinessProbe } from '../../api/readiness.js';
import { loadConfig } from '../../lib/config.js';
import { health } from '../../lib/health.js';
import { createKafka } from '../../lib/kafka.js';
import { logger as rootLogger } from '../../lib/logger.js';
import { createRedis } from '../../lib/redis.js';
import { AvroSerde } from '../../schemas/serde.js';
import type { HealthCheck } from '../../training/health.js';
import { isPromotionMetric } from '../../training/runs/record.js';
import { isModelKind } from '../../training/trainer-client.js';
import { startTrainer, TRAINER_HEALTH_COMPONENT } from '../../training/trainer.js';
import { serveTrainerOverRedis, TRAINING_KEYS } from '../../training/remote/redis-channel.js';
import { policyFromConfig } from '../../training/trigger/policy.js';
import { serveHealth } from '../health-server.js';
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
  /** Retries of every kafkajs client of the process (kafkajs' `retry.retries`; default 8). */
  kafkaRetries?: number;
  /** Serve GET /health and GET /metrics on 127.0.0.1 at this port. */
  healthPort?: number;
}

/** One of the API's readiness probes as a trainer health check. */
function dependencyCheck(probe: ReadinessProbe, what: string): HealthCheck {
  return { name: probe.name, failure: `${what} unreachable`, check: () => probe.check() };
}

/**
 * Whether the API (and `recostream train`) can find this trainer: they look for its heartbeat in
 * Redis (training/remote/redis-channel.ts), which it writes once it serves their requests. A
 * trainer that is up but not yet, or no longer, findable is not healthy.
 */
function requestsCheck(redis: Redis): HealthCheck {
  return {
    name: 'requests',
    failure: 'not serving training requests',
    async check() {
      if ((await redis.exists(TRAINING_KEYS.heartbeat)) === 0) throw new Error('no heartbeat in Redis yet');
    },
  };
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

  // Up before the trainer connects to anything: a start that hangs on an unreachable dependency
  // answers 503 `starting` instead of refusing connections, and a port in use stops it at once.
  health.report(TRAINER_HEALTH_COMPONENT, false, 'starting', { version: config.featureVersion });
  const server =
    opts.healthPort === undefined ? undefined : await serveHealth(opts.healthPort, () => health.status());

  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'recostream-trainer',
    logger: log,
    retries: opts.kafkaRetries,
  });
  const serde = new AvroSerde({ url: config.schemaRegistryUrl });
  const admin = kafka.admin();
  const closers: (() => Promise<unknown>)[] = [() => admin.disconnect()];
  const close = async () => {
    for (const c of closers) await c().catch((err: unknown) => log.warn({ err }, 'close failed'));
    server?.close();
  };
  try {
    await admin.connect();
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
      checks: [
        dependencyCheck(registryProbe(config.schemaRegistryUrl), 'schema registry'),
        dependencyCheck(clickhouseProbe(clickhouse.labels), 'clickhouse'),
        ...(redis ? [requestsCheck(redis)] : []),
      ],
    });
    closers.unshift(() => trainer.close());
    if (redis) {
      const served = serveTrainerOverRedis(trainer, redis, log);
      closers.unshift(() => served.close());
      // Healthy from the moment other processes can reach it, not one check interval later.
      await served.ready;
      await trainer.checkHealth();
    }
    const signal = await untilSignal();
    log.info({ signal, running: trainer.status().running?.runId ?? null }, 'stopping the trainer');
    // The stop waits for a run in progress, however long; a second signal is the way out (the
    // next start marks that run failed).
    const again = (second: NodeJS.Signals) => {
      log.warn({ signal: second }, 'second signal: exiting now');
      rootLogger.flush();
      process.exit(130);
    };
    process.once('SIGINT', again);
    process.once('SIGTERM', again);
  } finally {
    await close();
  }
  log.info('trainer process stopped');
  // kafkajs can leave a connection open after the broker was restarted under it, which would keep
  // the process alive after a clean stop (as it did `recostream process`).
  await new Promise<void>((resolve) => rootLogger.flush(() => resolve()));
  process.exit(0);
}
