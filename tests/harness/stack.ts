import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Kafka, KafkaConfig } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../embedded/kafka/index.js';
import { launchRedis, type RedisServerHandle } from '../../embedded/redis/launcher.js';
import { startRegistry, type RunningRegistry } from '../../embedded/registry/index.js';
import { openClickHouse, type ClickHouseHandle } from '../../lib/clickhouse.js';
import { createKafka } from '../../lib/kafka.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { AvroSerde } from '../../schemas/serde.js';
import { containersRequested, dockerHost, startContainerInfra, type ContainerInfra } from './containers.js';

/** Quiet unless a run asks for logs with TEST_LOG_LEVEL (e.g. TEST_LOG_LEVEL=info). */
export const harnessLogger: Logger = createLogger('test', { level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface StackOptions {
  /** A redis-server child process on a free port (AOF on), data in `<dataDir>/redis`. */
  redis?: boolean;
  /** The embedded broker, in this process, on a free port, data in `<dataDir>/kafka`. */
  broker?: boolean;
  /** The embedded schema registry on the broker (needs `broker`). */
  registry?: boolean;
  /**
   * ClickHouse: chDB in `<dataDir>/clickhouse` (open it with `openClickHouse()`; child processes
   * find it through DATA_DIR), or a ClickHouse server in containers mode (CLICKHOUSE_URL).
   */
  clickhouse?: boolean;
  dataDir?: string;
  /** Broker fsync policy; default interval (tests that kill the broker ask for 'always'). */
  brokerFlush?: 'always' | 'interval';
}

export interface Stack {
  dataDir: string;
  logger: Logger;
  /** `containers` when TEST_INFRA=containers and a Docker engine answered; the parts are then not in this process. */
  infra: 'embedded' | 'containers';
  broker?: RunningBroker;
  registry?: RunningRegistry;
  redisServer?: RedisServerHandle;
  /** `host:port` of the broker. */
  brokers?: string;
  registryUrl?: string;
  redisUrl?: string;
  /** Set in containers mode; unset: chDB in `chdbDir`. */
  clickhouseUrl?: string;
  chdbDir: string;
  /** A kafkajs client on the broker. */
  kafka(clientId?: string, config?: Partial<KafkaConfig>): Kafka;
  /** A serde on the registry. */
  serde(): AvroSerde;
  /** A new ioredis client (closed by stop()). */
  redis(): Redis;
  /** The stack's ClickHouse through lib/clickhouse.ts (closed by stop() unless closed before). */
  openClickHouse(): Promise<ClickHouseHandle>;
  /** Environment for a child process (`recostream ...`) using this stack. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Starts redis-server again on the same port and data dir (after `stopRedis`). */
  restartRedis(): Promise<void>;
  /** SHUTDOWN redis-server (AOF flushed); `restartRedis` brings it back. */
  stopRedis(): Promise<void>;
  /** Stops everything and deletes the data dir. */
  stop(): Promise<void>;
}

/**
 * The real parts on one machine for an integration test or a benchmark: redis-server, the
 * embedded broker and the registry, each on a free port, sharing one temporary data dir.
 * Processes under test connect over TCP exactly as in production.
 *
 * With TEST_INFRA=containers and a Docker engine that answers, the same Stack is backed by
 * Apache Kafka, Confluent Schema Registry, Redis and ClickHouse containers instead
 * (containers.ts); without an engine it says so once and uses the embedded parts.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  if (containersRequested()) {
    const host = await dockerHost();
    if (host !== null) return startContainerStack(options, host);
    warnNoDocker();
  }
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'recostream-stack-')));
  const logger = harnessLogger;
  const clients: Redis[] = [];
  const handles: ClickHouseHandle[] = [];
  let broker: RunningBroker | undefined;
  let registry: RunningRegistry | undefined;
  let redisServer: RedisServerHandle | undefined;
  let redisPort = 0;

  const stop = async () => {
    for (const c of clients) c.disconnect();
    for (const h of handles) await h.close().catch(() => undefined);
    await registry?.close().catch(() => undefined);
    await broker?.close().catch(() => undefined);
    await redisServer?.stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    if (options.redis) {
      redisServer = await launchRedis({ dataDir: path.join(dataDir, 'redis'), logger });
      redisPort = redisServer.port;
    }
    if (options.broker || options.registry) {
      broker = await startBroker({
        port: 0,
        dataDir: path.join(dataDir, 'kafka'),
        logger,
        flush: options.brokerFlush === 'always' ? { mode: 'always' } : { mode: 'interval', ms: 1000 },
      });
    }
    if (options.registry) {
      registry = await startRegistry({ port: 0, brokers: [broker!.brokers], logger });
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const stack: Stack = {
    dataDir,
    logger,
    infra: 'embedded',
    chdbDir: path.join(dataDir, 'clickhouse'),
    broker,
    registry,
    redisServer,
    brokers: broker?.brokers,
    registryUrl: registry?.url,
    redisUrl: redisServer?.url,
    kafka(clientId = 'test', config = {}) {
      if (!broker) throw new Error('startStack: no broker in this stack');
      return createKafka({ brokers: [broker.brokers], clientId, logger, config });
    },
    serde() {
      if (!registry) throw new Error('startStack: no registry in this stack');
      return new AvroSerde({ url: registry.url });
    },
    redis() {
      if (!stack.redisUrl) throw new Error('startStack: no redis in this stack');
      const client = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async openClickHouse() {
      const handle = await openClickHouse({ chdbDir: stack.chdbDir, logger });
      handles.push(handle);
      return handle;
    },
    env(extra = {}) {
      const env: Record<string, string> = {
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        LOG_FORMAT: 'json',
      };
      if (broker) env.KAFKA_BROKERS = broker.brokers;
      if (registry) env.SCHEMA_REGISTRY_URL = registry.url;
      if (stack.redisUrl) env.REDIS_URL = stack.redisUrl;
      env.DATA_DIR = dataDir;
      return { ...env, ...extra };
    },
    async stopRedis() {
      await redisServer?.stop();
    },
    async restartRedis() {
      redisServer = await launchRedis({ dataDir: path.join(dataDir, 'redis'), logger, port: redisPort });
      stack.redisServer = redisServer;
    },
    stop,
  };
  return stack;
}

let warned = false;

function warnNoDocker(): void {
  if (warned) return;
  warned = true;
  process.stderr.write(
    'TEST_INFRA=containers, but no Docker engine answers: using the embedded broker, registry, redis-server and chDB\n',
  );
}

/** The Stack over containers: same shape, the parts elsewhere (see containers.ts). */
async function startContainerStack(options: StackOptions, host: string): Promise<Stack> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'recostream-stack-')));
  const logger = harnessLogger;
  const clients: Redis[] = [];
  const handles: ClickHouseHandle[] = [];
  let infra: ContainerInfra | undefined;
  const stop = async () => {
    for (const c of clients) c.disconnect();
    for (const h of handles) await h.close().catch(() => undefined);
    await infra?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    infra = await startContainerInfra(host, {
      kafka: options.broker === true || options.registry === true,
      registry: options.registry === true,
      redis: options.redis === true,
      clickhouse: options.clickhouse === true,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const running = infra;
  const stack: Stack = {
    dataDir,
    logger,
    infra: 'containers',
    brokers: running.brokers,
    registryUrl: running.registryUrl,
    redisUrl: running.redisUrl,
    clickhouseUrl: running.clickhouseUrl,
    chdbDir: path.join(dataDir, 'clickhouse'),
    kafka(clientId = 'test', config = {}) {
      if (!running.brokers) throw new Error('startStack: no broker in this stack');
      return createKafka({ brokers: [running.brokers], clientId, logger, config });
    },
    serde() {
      if (!running.registryUrl) throw new Error('startStack: no registry in this stack');
      return new AvroSerde({ url: running.registryUrl });
    },
    redis() {
      if (!running.redisUrl) throw new Error('startStack: no redis in this stack');
      const client = new Redis(running.redisUrl, { maxRetriesPerRequest: null });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async openClickHouse() {
      if (!running.clickhouseUrl) throw new Error('startStack: no clickhouse in this stack');
      const handle = await openClickHouse({ url: running.clickhouseUrl, chdbDir: stack.chdbDir, logger });
      handles.push(handle);
      return handle;
    },
    env(extra = {}) {
      const env: Record<string, string> = {
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        LOG_FORMAT: 'json',
        DATA_DIR: dataDir,
      };
      if (running.brokers) env.KAFKA_BROKERS = running.brokers;
      if (running.registryUrl) env.SCHEMA_REGISTRY_URL = running.registryUrl;
      if (running.redisUrl) env.REDIS_URL = running.redisUrl;
      if (running.clickhouseUrl) env.CLICKHOUSE_URL = running.clickhouseUrl;
      return { ...env, ...extra };
    },
    stopRedis: () => running.stopRedis(),
    restartRedis: () => running.restartRedis(),
    stop,
  };
  return stack;
}
