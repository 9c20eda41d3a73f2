import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { RunningApi } from '../../api/server.js';
import type { FlushPolicy } from '../../embedded/kafka/index.js';
import type { ClickHouseHandle } from '../../lib/clickhouse.js';
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { UpSettings } from './settings.js';
import { firstTakenPort, type WantedPort } from './free-ports.js';

/**
 * Starts every part of the pipeline in this process and stops them in order. Start order is
 * chosen so that stopping in reverse is the order that loses nothing: the API stops taking
 * requests and its producer flushes, then the trainer, the processors (their last feature
 * records reach the broker), the ClickHouse sink (stores and commits what it holds), chDB, the
 * registry, the broker (flushes its logs) and redis-server last (SHUTDOWN writes the AOF).
 */

export interface UpStackOptions {
  settings: UpSettings;
  logger: Logger;
  /** Aborted (Ctrl-C) during start: what was started is stopped and start rejects with UpInterrupted. */
  signal?: AbortSignal;
  /** The broker's fsync policy (default every 1000 ms). */
  brokerFlush?: FlushPolicy;
}

export interface UpAddresses {
  kafka: string;
  registry: string;
  redis: string;
  api: string;
  /** The ClickHouse server URL, or `chdb:<dir>`. */
  clickhouse: string;
}

export interface UpLag {
  /** Events the processors have not applied yet (both processors). */
  processors: number;
  /** Interactions the ClickHouse sink has not committed yet. */
  sink: number;
}

export interface UpStack {
  /** The configuration with the addresses of what was started (ports chosen by the OS included). */
  config: Config;
  addresses: UpAddresses;
  /** What runs here rather than elsewhere. */
  embedded: { kafka: boolean; registry: boolean; redis: boolean; clickhouse: boolean };
  kafka: Kafka;
  serde: AvroSerde;
  api: RunningApi;
  /** Read-only SQL on the ClickHouse this process writes. */
  sql: ReadOnlyClickHouse;
  lag(): Promise<UpLag>;
  /** Stops everything in order; safe to call more than once. */
  stop(): Promise<void>;
}

/** Start was interrupted by a signal; everything started was stopped. */
export class UpInterrupted extends Error {
  constructor() {
    super('interrupted while starting; everything started was stopped');
    this.name = 'UpInterrupted';
  }
}

/** A port that is taken, said plainly with the flag that changes it. */
export class PortInUseError extends Error {
  constructor(what: string, port: number, flag: string) {
    super(
      `${what} cannot listen on port ${port}: it is in use (another recostream up or broker?). ` +
        `Stop that process or pick another port with ${flag}.`,
    );
    this.name = 'PortInUseError';
  }
}

function portInUse(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(e?.message ?? '');
}

/**
 * The broker and registry log every connection and group change at info: useful when they run
 * alone, noise among everything `up` runs. At the default level they report warnings only.
 */
function quieter(logger: Logger): Logger {
  return logger.level === 'info' ? logger.child({}, { level: 'warn' }) : logger;
}

interface Closer {
  name: string;
  close(): Promise<unknown>;
}

/** Longest a part may take to stop before the next is stopped anyway (a stuck part must not keep the rest running). */
const STOP_STEP_TIMEOUT_MS = 60_000;

export async function startUpStack(options: UpStackOptions): Promise<UpStack> {
  const { settings, logger } = options;
  const config: Config = { ...settings.config };
  const log = logger.child({ command: 'up' });
  // The parts log through the root logger and add their own `part`.
  const closers: Closer[] = [];
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const closer of [...closers].reverse()) {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), STOP_STEP_TIMEOUT_MS);
        });
        try {
          const outcome = await Promise.race([closer.close().then(() => 'done' as const), timeout]);
          if (outcome === 'timeout') {
            log.error(
              { step: closer.name },
              `did not stop within ${STOP_STEP_TIMEOUT_MS / 1000} s; going on`,
            );
          } else {
            log.info(
              { step: closer.name, ms: Math.round(performance.now() - started) },
              `stopped ${closer.name}`,
            );
          }
        } catch (err) {
          log.warn({ step: closer.name, err }, `${closer.name} did not stop cleanly`);
        } finally {
          clearTimeout(timer);
        }
      }
    })());

  /** Runs one start step with a progress line; a signal during start unwinds what was started. */
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    if (options.signal?.aborted) throw new UpInterrupted();
    const started = performance.now();
    log.info({ step: name }, `starting ${name}`);
    const value = await fn();
    log.info({ step: name, ms: Math.round(performance.now() - started) }, `${name} ready`);
    return value;
  };

  const wanted: WantedPort[] = [];
  if (settings.redis.embedded)
    wanted.push({ what: 'redis-server', port: settings.redis.port, host: '127.0.0.1', flag: '--redis-port' });
  if (settings.kafka.embedded)
    wanted.push({
      what: 'the Kafka broker',
      port: settings.kafka.port,
      host: settings.host,
      flag: '--kafka-port',
    });
  if (settings.registry.embedded) {
    wanted.push({
      what: 'the schema registry',
      port: settings.registry.port,
      host: settings.host,
      flag: '--registry-port',
    });
  }
  wanted.push({ what: 'the API', port: config.apiPort, host: settings.host, flag: '--api-port' });
  const busy = await firstTakenPort(wanted);
  if (busy) throw new PortInUseError(busy.what, busy.port, busy.flag);

  try {
    // Heavy modules load here, not at import: `recostream --help` must stay fast.
    const [
      { launchRedis },
      { startBroker },
      { startRegistry },
      { createKafka },
      { AvroSerde },
      { applyTopology },
      { openClickHouse },
      { openReadOnlyClickHouse },
      { startClickHouseSink, DEFAULT_SINK_GROUP },
      { startProcessors },
      { pipelineLag },
      { createRedis },
      { wireApi },
      { startApi },
      { startUpTrainer },
    ] = await Promise.all([
      import('../../embedded/redis/launcher.js'),
      import('../../embedded/kafka/index.js'),
      import('../../embedded/registry/index.js'),
      import('../../lib/kafka.js'),
      import('../../schemas/serde.js'),
      import('../../topology/apply.js'),
      import('../../lib/clickhouse.js'),
      import('../../sinks/clickhouse/query.js'),
      import('../../sinks/clickhouse/sink.js'),
      import('../../processors/start.js'),
      import('../../processors/progress.js'),
      import('../../lib/redis.js'),
      import('../../api/wiring.js'),
      import('../../api/server.js'),
      import('./trainer.js'),
    ]);

    const dataDir = config.dataDir;

    if (settings.redis.embedded) {
      const port = settings.redis.port;
      const server = await step('redis-server', async () => {
        try {
          return await launchRedis({
            dataDir: path.join(dataDir, 'redis'),
            port,
            logger,
            // Ctrl-C reaches the terminal's whole process group: redis-server must wait for its turn.
            ownProcessGroup: true,
          });
        } catch (err) {
          // redis-server exits at once when its port is taken; a second up on the same port is the usual cause.
          if (err instanceof Error && /exited with status/.test(err.message)) {
            throw new Error(
              `${err.message}. Is port ${port} in use? Pick another with --redis-port, or set REDIS_URL to a running Redis.`,
            );
          }
          throw err;
        }
      });
      closers.push({ name: 'redis-server', close: () => server.stop() });
      config.redisUrl = server.url;
    }

    if (settings.kafka.embedded) {
      const port = settings.kafka.port;
      const broker = await step('Kafka broker', async () => {
        try {
          return await startBroker({
            dataDir: path.join(dataDir, 'kafka'),
            port,
            host: settings.host,
            flush: options.brokerFlush ?? { mode: 'interval', ms: 1000 },
            logger: quieter(logger),
          });
        } catch (err) {
          if (portInUse(err)) throw new PortInUseError('the Kafka broker', port, '--kafka-port');
          throw err;
        }
      });
      closers.push({ name: 'Kafka broker', close: () => broker.close() });
      config.kafkaBrokers = [broker.brokers];
    }

    if (settings.registry.embedded) {
      const port = settings.registry.port;
      const registry = await step('schema registry', async () => {
        try {
          return await startRegistry({
            port,
            host: settings.host,
            brokers: config.kafkaBrokers,
            logger: quieter(logger),
          });
        } catch (err) {
          if (portInUse(err)) throw new PortInUseError('the schema registry', port, '--registry-port');
          throw err;
        }
      });
      closers.push({ name: 'schema registry', close: () => registry.close() });
      config.schemaRegistryUrl = registry.url;
    }

    const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'recostream-up', logger });
    const serde = new AvroSerde({ url: config.schemaRegistryUrl });

    await step('topology', async () => {
      const result = await applyTopology({ kafka, serde, featureVersion: config.featureVersion, logger });
      for (const w of result.warnings) log.warn({ warning: w }, 'topology');
      log.info(
        { changes: result.changes.length },
        result.changes.length === 0 ? 'topics and schemas already in place' : 'topics and schemas applied',
      );
    });

    const chdbDir = path.join(dataDir, 'clickhouse');
    const clickhouse: ClickHouseHandle = await step('ClickHouse', () =>
      openClickHouse({ url: config.clickhouseUrl, chdbDir, logger }),
    );
    closers.push({ name: 'ClickHouse', close: () => clickhouse.close() });

    const sink = await step('ClickHouse sink', () =>
      startClickHouseSink({
        kafka: createKafka({ brokers: config.kafkaBrokers, clientId: 'recostream-clickhouse-sink', logger }),
        serde,
        clickhouse: clickhouse.client,
        registryUrl: config.schemaRegistryUrl,
        logger: logger.child({ part: 'clickhouse-sink' }),
      }),
    );
    closers.push({ name: 'ClickHouse sink', close: () => sink.stop() });

    const processors = await step('processors', () =>
      startProcessors({
        which: 'all',
        version: config.featureVersion,
        kafkaBrokers: config.kafkaBrokers,
        registryUrl: config.schemaRegistryUrl,
        redisUrl: config.redisUrl!,
        logger: logger.child({ part: 'processors' }),
        dedupeHorizonDays: config.dedupeHorizonDays,
        clientId: `recostream-up-${config.featureVersion}`,
      }),
    );
    closers.push({ name: 'processors', close: () => processors.stop() });

    // SQL on the chDB this process owns (API and trainer): nothing may claim the directory a second time.
    const sql = await openReadOnlyClickHouse({
      url: config.clickhouseUrl,
      chdbDir,
      logger,
      owner: clickhouse,
    });
    closers.push({ name: 'read-only ClickHouse', close: () => sql.close() });

    const trainer = await step('trainer', () =>
      startUpTrainer({ config, kafka, serde, clickhouse: sql, logger }),
    );
    closers.push({ name: 'trainer', close: () => trainer.stop() });

    // Closed after the server (below): the API's producer flushes what the last requests produced.
    const wired = await wireApi(config, logger, {
      clickhouse: sql,
      trainer: trainer.client,
      servedModels: trainer.servedModels,
    });
    closers.push({ name: 'API producer and clients', close: () => wired.close() });

    const api = await step('API', async () => {
      try {
        return await startApi(wired.deps, { port: config.apiPort, host: settings.host });
      } catch (err) {
        if (portInUse(err)) throw new PortInUseError('the API', config.apiPort, '--api-port');
        throw err;
      }
    });
    closers.push({ name: 'API', close: () => api.close() });
    config.apiPort = api.port;

    // For progress: the processors' lag as Redis records it, the sink's from its committed offsets.
    let admin: Admin | undefined;
    let progressRedis: Redis | undefined;
    closers.splice(closers.length - 1, 0, {
      name: 'progress clients',
      close: async () => {
        await admin?.disconnect();
        progressRedis?.disconnect();
      },
    });
    const lag = async (): Promise<UpLag> => {
      if (!admin) {
        admin = kafka.admin();
        await admin.connect();
      }
      progressRedis ??= createRedis(config.redisUrl!, logger, { enableAutoPipelining: false });
      const processorsLag = await pipelineLag(admin, progressRedis, config.featureVersion);
      const topic = 'interactions';
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId: DEFAULT_SINK_GROUP, topics: [topic] }),
      ]);
      const done = new Map(
        committed.flatMap((t) => t.partitions).map((p) => [p.partition, Number(p.offset)] as const),
      );
      const sinkLag = ends.reduce((sum, e) => {
        const at = done.get(e.partition) ?? -1;
        const from = at < 0 ? Number(e.low) : at;
        return sum + Math.max(0, Number(e.high) - from);
      }, 0);
      return { processors: processorsLag.total, sink: sinkLag };
    };

    if (options.signal?.aborted) throw new UpInterrupted();
    return {
      config,
      addresses: {
        kafka: config.kafkaBrokers.join(','),
        registry: config.schemaRegistryUrl,
        redis: config.redisUrl!,
        api: api.url,
        clickhouse: config.clickhouseUrl ?? `chdb:${chdbDir}`,
      },
      embedded: {
        kafka: settings.kafka.embedded,
        registry: settings.registry.embedded,
        redis: settings.redis.embedded,
        clickhouse: settings.clickhouseEmbedded,
      },
      kafka,
      serde,
      api,
      sql,
      lag,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
