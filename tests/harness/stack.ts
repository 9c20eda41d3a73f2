import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import type { Kafka, KafkaConfig } from 'kafkajs';
import { openClickHouse, type ClickHouseHandle } from '../../lib/clickhouse.js';
import { createKafka } from '../../lib/kafka.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { AvroSerde } from '../../schemas/serde.js';
import { openReadOnlyClickHouse, type ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import { tableDataPath } from './clickhouse.js';
import { containersRequested, dockerHost, startContainerInfra } from './containers.js';
import { startEmbeddedParts } from './embedded.js';
import type { StackParts } from './parts.js';

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
  /** A data dir of the caller's (kept by `stop()`, so a second stack can start on it). */
  dataDir?: string;
  /** Broker fsync policy; default interval (tests that kill the broker ask for 'always'). */
  brokerFlush?: 'always' | 'interval';
  /**
   * The embedded parts whatever TEST_INFRA says: for suites whose subject is an embedded part
   * itself (the registry's storage, the launcher, chDB's ownership), not the pipeline on top.
   */
  embeddedOnly?: boolean;
}

export interface Stack {
  dataDir: string;
  logger: Logger;
  /** `containers` when TEST_INFRA=containers and a Docker engine answered; the parts are then not in this process. */
  infra: 'embedded' | 'containers';
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
  /**
   * The read-only side of the stack's ClickHouse, as the API opens it; `owner` is this process's
   * handle on chDB when it holds one (closed by stop() unless closed before).
   */
  openReadOnlyClickHouse(owner?: ClickHouseHandle): Promise<ReadOnlyClickHouse>;
  /** Environment for a child process (`recostream ...`) using this stack. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Starts redis-server again on the same port and data dir (after `stopRedis`). */
  restartRedis(): Promise<void>;
  /** SHUTDOWN redis-server (AOF flushed); `restartRedis` brings it back. */
  stopRedis(): Promise<void>;
  /** Stops the schema registry; `restartRegistry` brings it back on the same address. */
  stopRegistry(): Promise<void>;
  restartRegistry(): Promise<void>;
  /** Stops the broker (logs flushed); `restartBroker` brings it back on the same address and data. */
  stopBroker(): Promise<void>;
  restartBroker(): Promise<void>;
  /**
   * ClickHouse fails to write new parts of `table` (its data directory made unwritable) until the
   * returned function is called.
   */
  makeTableUnwritable(client: ClickHouseClient, table: string): Promise<() => Promise<void>>;
  /** Stops everything and deletes the data dir (unless it was the caller's). */
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
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'recostream-stack-')));
  let parts: StackParts;
  try {
    parts = await startParts(options, dataDir);
  } catch (err) {
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return stackOn(parts, dataDir, ownDataDir);
}

async function startParts(options: StackOptions, dataDir: string): Promise<StackParts> {
  const wanted = {
    kafka: options.broker === true || options.registry === true,
    registry: options.registry === true,
    redis: options.redis === true,
    clickhouse: options.clickhouse === true,
  };
  if (!options.embeddedOnly && containersRequested()) {
    const host = await dockerHost();
    if (host !== null) return startContainerInfra(host, wanted);
    warnNoDocker();
  }
  return startEmbeddedParts({ ...wanted, dataDir, logger: harnessLogger, brokerFlush: options.brokerFlush });
}

let warned = false;

function warnNoDocker(): void {
  if (warned) return;
  warned = true;
  process.stderr.write(
    'TEST_INFRA=containers, but no Docker engine answers: using the embedded broker, registry, redis-server and chDB\n',
  );
}

/** The Stack suites see, the same over either kind of parts. */
function stackOn(parts: StackParts, dataDir: string, ownDataDir: boolean): Stack {
  const logger = harnessLogger;
  const clients: Redis[] = [];
  const closers: (() => Promise<void>)[] = [];
  const chdbDir = path.join(dataDir, 'clickhouse');

  const stack: Stack = {
    dataDir,
    logger,
    infra: parts.infra,
    brokers: parts.brokers,
    registryUrl: parts.registryUrl,
    redisUrl: parts.redisUrl,
    clickhouseUrl: parts.clickhouseUrl,
    chdbDir,
    kafka(clientId = 'test', config = {}) {
      if (!parts.brokers) throw new Error('startStack: no broker in this stack');
      return createKafka({ brokers: [parts.brokers], clientId, logger, config });
    },
    serde() {
      if (!parts.registryUrl) throw new Error('startStack: no registry in this stack');
      return new AvroSerde({ url: parts.registryUrl });
    },
    redis() {
      if (!parts.redisUrl) throw new Error('startStack: no redis in this stack');
      const client = new Redis(parts.redisUrl, { maxRetriesPerRequest: null });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async openClickHouse() {
      const handle = closedOnce(await openClickHouse({ url: parts.clickhouseUrl, chdbDir, logger }));
      closers.push(() => handle.close());
      return handle;
    },
    async openReadOnlyClickHouse(owner) {
      const ro = closedOnce(
        await openReadOnlyClickHouse({ url: parts.clickhouseUrl, chdbDir, owner, logger }),
      );
      closers.push(() => ro.close());
      return ro;
    },
    env(extra = {}) {
      const env: Record<string, string> = {
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        LOG_FORMAT: 'json',
        DATA_DIR: dataDir,
      };
      if (parts.brokers) env.KAFKA_BROKERS = parts.brokers;
      if (parts.registryUrl) env.SCHEMA_REGISTRY_URL = parts.registryUrl;
      if (parts.redisUrl) env.REDIS_URL = parts.redisUrl;
      if (parts.clickhouseUrl) env.CLICKHOUSE_URL = parts.clickhouseUrl;
      return { ...env, ...extra };
    },
    stopRedis: () => parts.stopRedis(),
    restartRedis: () => parts.restartRedis(),
    stopRegistry: () => parts.stopRegistry(),
    restartRegistry: () => parts.restartRegistry(),
    stopBroker: () => parts.stopBroker(),
    restartBroker: () => parts.restartBroker(),
    async makeTableUnwritable(client, table) {
      return parts.makeClickHouseDirUnwritable(await tableDataPath(client, table));
    },
    async stop() {
      for (const c of clients) c.disconnect();
      // Read-only handles before the owning ones they may borrow from.
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await parts.stop();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** The handle with a close() that acts once: stop() may close what a suite closed already. */
function closedOnce<T extends { close(): Promise<void> }>(handle: T): T {
  let closing: Promise<void> | undefined;
  return { ...handle, close: () => (closing ??= handle.close()) };
}
