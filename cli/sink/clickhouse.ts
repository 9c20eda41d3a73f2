import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { openClickHouse } from '../../lib/clickhouse.js';
import { loadConfig } from '../../lib/config.js';
import { createKafka } from '../../lib/kafka.js';
import { logger } from '../../lib/logger.js';
import { metricsRegistry } from '../../lib/metrics.js';
import { AvroSerde } from '../../schemas/serde.js';
import { startClickHouseSink, type ClickHouseSink } from '../../sinks/clickhouse/sink.js';

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
  const server = opts.healthPort === undefined ? undefined : await serveHealth(sink, opts.healthPort);

  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'stopping the ClickHouse sink');
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      resolve();
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  server?.close();
  await sink.stop();
  await ch.close();
}

/** GET /health (200 healthy, 503 retrying, with the details) and GET /metrics (Prometheus). */
async function serveHealth(sink: ClickHouseSink, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      const status = sink.health();
      res.writeHead(status.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status));
      return;
    }
    if (req.url === '/metrics') {
      metricsRegistry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metricsRegistry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
