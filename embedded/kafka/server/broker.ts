import { mkdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { logger as rootLogger, type Logger } from '../../../lib/logger.js';
import { GroupCoordinator } from '../coordinator/index.js';
import type { BrokerNode, BrokerState } from '../handlers/index.js';
import { LogManager, type FlushPolicy } from '../log/index.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../wire/frame.js';
import { Connection } from './connection.js';
import { DEFAULT_FLUSH_POLICY } from './flush-policy.js';

export interface BrokerOptions {
  /** Directory of all broker data (created if missing). */
  dataDir: string;
  /** TCP port; 0 picks a free one (default 9092). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Host and port clients are told to connect to (containers, NAT); default: the bound ones. */
  advertisedHost?: string;
  advertisedPort?: number;
  /** fsync policy of the partition logs (default: every 1000 ms). */
  flush?: FlushPolicy;
  /** auto.create.topics.enable (default true). */
  autoCreateTopics?: boolean;
  /** num.partitions for auto-created topics and CreateTopics with -1 (default 1). */
  defaultPartitions?: number;
  /** socket.request.max.bytes (default 104857600). */
  maxFrameBytes?: number;
  /** group.initial.rebalance.delay.ms (default 0: a single machine has no stragglers to wait for). */
  initialRebalanceDelayMs?: number;
  /** group.min.session.timeout.ms (default 6000). */
  minSessionTimeoutMs?: number;
  /** log.cleaner.backoff.ms: how often the cleaner looks for dirty compacted logs (default 15000). */
  cleanerIntervalMs?: number;
  /** log.retention.check.interval.ms (default 60000). */
  retentionCheckIntervalMs?: number;
  logger?: Logger;
}

export interface RunningBroker {
  /** The advertised address. */
  readonly host: string;
  readonly port: number;
  /** `host:port`, ready for KAFKA_BROKERS. */
  readonly brokers: string;
  /** The address actually bound (differs from the advertised one behind NAT or a proxy). */
  readonly bound: { host: string; port: number };
  /** Stops accepting, ends connections and parked requests, flushes the logs. */
  close(): Promise<void>;
}

const NODE_ID = 0;
const CLUSTER_ID = 'recostream-embedded';

/** Starts the embedded Kafka-protocol broker. */
export async function startBroker(opts: BrokerOptions): Promise<RunningBroker> {
  const logger = (opts.logger ?? rootLogger).child({ part: 'broker' });
  await mkdir(opts.dataDir, { recursive: true });
  const logs = await LogManager.open({
    dataDir: opts.dataDir,
    flush: opts.flush ?? DEFAULT_FLUSH_POLICY,
    logger: logger.child({ layer: 'log' }),
    cleanerIntervalMs: opts.cleanerIntervalMs,
    retentionCheckIntervalMs: opts.retentionCheckIntervalMs,
  });
  let coordinator: GroupCoordinator;
  try {
    coordinator = await GroupCoordinator.open({
      dataDir: join(opts.dataDir, 'groups'),
      logger,
      initialRebalanceDelayMs: opts.initialRebalanceDelayMs ?? 0,
      minSessionTimeoutMs: opts.minSessionTimeoutMs,
    });
  } catch (err) {
    await logs.close();
    throw err;
  }

  const closeListeners = new Set<() => void>();
  const node: BrokerNode = { nodeId: NODE_ID, host: '', port: 0 };
  const state: BrokerState = {
    logs,
    coordinator,
    node,
    clusterId: CLUSTER_ID,
    autoCreateTopics: opts.autoCreateTopics ?? true,
    defaultPartitions: opts.defaultPartitions ?? 1,
    logger,
    now: Date.now,
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
  };

  const connections = new Set<Connection>();
  const maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const server: Server = createServer((socket: Socket) => {
    const conn = new Connection(socket, state, logger, maxFrameBytes);
    connections.add(conn);
    socket.on('close', () => connections.delete(conn));
  });
  server.on('error', (err) => logger.error({ err }, 'server error'));

  const bindHost = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 9092, bindHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await coordinator.close();
    await logs.close();
    throw err;
  }
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : (opts.port ?? 9092);
  node.host = opts.advertisedHost ?? (bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost);
  node.port = opts.advertisedPort ?? boundPort;
  logs.startBackgroundTasks();
  logger.info(
    { bind: `${bindHost}:${boundPort}`, advertised: `${node.host}:${node.port}`, dataDir: opts.dataDir },
    'broker listening',
  );

  let closing: Promise<void> | null = null;
  return {
    host: node.host,
    port: node.port,
    brokers: `${node.host}:${node.port}`,
    bound: { host: bindHost, port: boundPort },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const listener of closeListeners) listener();
        for (const conn of connections) conn.close();
        await stopped;
        await coordinator.close();
        await logs.close();
        logger.info('broker stopped');
      })();
      return closing;
    },
  };
}
