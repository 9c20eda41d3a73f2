import path from 'node:path';
import { openClickHouse } from '../../lib/clickhouse.js';
import { loadConfig } from '../../lib/config.js';
import { createKafka } from '../../lib/kafka.js';
import { logger } from '../../lib/logger.js';
import { AvroSerde } from '../../schemas/serde.js';
import { startClickHouseSink, type ClickHouseSink } from '../../sinks/clickhouse/sink.js';
import { serveHealth } from '../health-server.js';
import { stopAndExit, untilSignal } from '../process/common.js';

export interface SinkCommandOptions {
  group?: string;
  batchRows?: number;
  lingerMs?: number;
  topicRefreshMs?: number;
  sessionTimeoutMs?: number;
  healthPort?: number;
}

/**
 * `recostream sink clickhouse`: the sink as a process of its own. SIGTERM/SIGINT store what is
 * pending, commit and leave the group; SIGKILL loses nothing either (uncommitted messages are
 * read again and collapse with the stored copies).
 */
export async function runClickHouseSinkCommand(opts: SinkCommandOptions): Promise<void> {
  const config = loadConfig();
  const log = logger.child({ command: 'sink clickhouse' });
  const ch = await openClickHouse({
    url: config.clickhouseUrl,
    chdbDir: path.join(config.dataDir, 'clickhouse'),
    logger: log,
  });
  let sink: ClickHouseSink;
  try {
    sink = await startClickHouseSink({
      kafka: createKafka({
        brokers: config.kafkaBrokers,
        clientId: 'recostream-clickhouse-sink',
        logger: log,
      }),
      serde: new AvroSerde({ url: config.schemaRegistryUrl }),
      clickhouse: ch.client,
      registryUrl: config.schemaRegistryUrl,
      logger: log,
      groupId: opts.group,
      maxBatchRows: opts.batchRows,
      lingerMs: opts.lingerMs,
      topicRefreshMs: opts.topicRefreshMs,
      sessionTimeoutMs: opts.sessionTimeoutMs,
    });
  } catch (err) {
    await ch.close();
    throw err;
  }
  const server =
    opts.healthPort === undefined ? undefined : await serveHealth(opts.healthPort, () => sink.health());

  const signal = await untilSignal();
  log.info({ signal }, 'stopping the ClickHouse sink');
  // Exits explicitly, like `recostream process`: a kafkajs client left reconnecting to a restarted
  // broker must not keep the process alive after a clean stop.
  await stopAndExit(async () => {
    server?.close();
    await sink.stop();
    await ch.close();
  }, log);
}
