import path from 'node:path';
import { startBroker, type RunningBroker } from '../../embedded/kafka/index.js';
import { launchRedis, type RedisServerHandle } from '../../embedded/redis/launcher.js';
import { startRegistry, type RunningRegistry } from '../../embedded/registry/index.js';
import type { Logger } from '../../lib/logger.js';
import { makeUnwritable } from './clickhouse.js';
import type { PartsWanted, StackParts } from './parts.js';

export interface EmbeddedPartsOptions extends PartsWanted {
  dataDir: string;
  logger: Logger;
  /** Broker fsync policy; default every second. */
  brokerFlush?: 'always' | 'interval';
}

/**
 * The single-machine parts, each on a free port with its data under `dataDir`: redis-server as a
 * child process (AOF on), the embedded broker and the registry in this process. chDB needs
 * nothing started: whoever opens `<dataDir>/clickhouse` owns it.
 */
export async function startEmbeddedParts(options: EmbeddedPartsOptions): Promise<StackParts> {
  const { dataDir, logger } = options;
  let broker: RunningBroker | undefined;
  let registry: RunningRegistry | undefined;
  let redisServer: RedisServerHandle | undefined;
  let redisPort = 0;
  let registryPort = 0;
  let brokerPort = 0;
  const startKafka = (port: number) =>
    startBroker({
      port,
      dataDir: path.join(dataDir, 'kafka'),
      logger,
      flush: options.brokerFlush === 'always' ? { mode: 'always' } : { mode: 'interval', ms: 1000 },
    });

  const parts: StackParts = {
    infra: 'embedded',
    async stopRedis() {
      await redisServer?.stop();
    },
    async restartRedis() {
      redisServer = await launchRedis({ dataDir: path.join(dataDir, 'redis'), logger, port: redisPort });
    },
    async stopRegistry() {
      await registry?.close();
    },
    async restartRegistry() {
      if (!broker) throw new Error('startStack: no registry in this stack');
      registry = await startRegistry({ port: registryPort, brokers: [broker.brokers], logger });
    },
    async stopBroker() {
      if (!broker) throw new Error('startStack: no broker in this stack');
      await broker.close();
    },
    async restartBroker() {
      if (!broker) throw new Error('startStack: no broker in this stack');
      broker = await startKafka(brokerPort);
    },
    // chDB runs in this process: its directories are this machine's.
    makeClickHouseDirUnwritable: (dir) => makeUnwritable(dir),
    async stop() {
      await registry?.close().catch(() => undefined);
      await broker?.close().catch(() => undefined);
      await redisServer?.stop().catch(() => undefined);
    },
  };

  try {
    if (options.redis) {
      redisServer = await launchRedis({ dataDir: path.join(dataDir, 'redis'), logger });
      redisPort = redisServer.port;
      parts.redisUrl = redisServer.url;
    }
    if (options.kafka || options.registry) {
      broker = await startKafka(0);
      brokerPort = broker.port;
      parts.brokers = broker.brokers;
    }
    if (options.registry) {
      registry = await startRegistry({ port: 0, brokers: [broker!.brokers], logger });
      registryPort = registry.port;
      parts.registryUrl = registry.url;
    }
  } catch (err) {
    await parts.stop();
    throw err;
  }
  return parts;
}
