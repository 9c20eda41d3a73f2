import { Command, Option } from 'commander';
import { nonNegativeInteger, port, positiveInteger } from './option-parsers.js';

/** `recostream api`: the Fastify server alone, against the configured Kafka, registry and Redis. */
export function apiCommand(): Command {
  return new Command('api')
    .description(
      'Run the HTTP API: feature lookups, ingestion, uploads, recommendations, training, SQL (OpenAPI at /docs)',
    )
    .addOption(new Option('--port <port>', 'TCP port (default: API_PORT, 3000)').argParser(port))
    .addOption(new Option('--host <host>', 'interface to bind').default('127.0.0.1'))
    .addOption(
      new Option(
        '--cors-origin <origins>',
        'allow CORS from these origins (comma-separated); default: CORS off',
      ),
    )
    .addOption(
      new Option('--rate-limit <n>', 'requests per minute per client address (0: no limit)')
        .argParser(nonNegativeInteger)
        .default(100_000),
    )
    .addOption(new Option('--quiet-requests', 'log failed requests only (not every completed request)'))
    .addOption(
      new Option(
        '--workers <n>',
        'serve from n processes sharing the port (a lookup is CPU-bound: up to one per core the API ' +
          'has to itself, docs/API.md "Workers"); rate limits are then counted in Redis',
      )
        .argParser(positiveInteger)
        .default(1),
    )
    .addHelpText(
      'after',
      `
Reads KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL (required), CLICKHOUSE_URL (for POST /v1/sql;
the embedded chDB is served by the process that owns it, \`recostream up\`), API_PORT, API_KEY
(required on writes, training and SQL when set) and API_READ_KEY (required on reads when set).
Routes, limits and examples: docs/API.md.`,
    )
    .action(
      async (opts: {
        port?: number;
        host: string;
        corsOrigin?: string;
        rateLimit: number;
        quietRequests?: boolean;
        workers: number;
      }) => {
        const { default: cluster } = await import('node:cluster');
        const { loadConfig } = await import('../../lib/config.js');
        const { createLogger } = await import('../../lib/logger.js');
        const { wireApi } = await import('../../api/wiring.js');
        const { startApi } = await import('../../api/server.js');
        const { stopAndExit, untilSignal } = await import('../process/common.js');
        const config = loadConfig();
        const logger = createLogger('recostream-api');
        if (opts.workers > 1 && cluster.isPrimary) {
          const { superviseApiWorkers } = await import('../../api/cluster/supervisor.js');
          const code = await superviseApiWorkers({ workers: opts.workers, logger });
          logger.flush();
          process.exit(code);
        }
        const clustered = cluster.isWorker;
        const { workerMetricsExposition } = await import('../../api/cluster/metrics.js');
        const { waitForPeers } = await import('../../api/cluster/listen-together.js');
        const wired = await wireApi(config, logger);
        if (clustered) wired.deps.metricsExposition = workerMetricsExposition;
        let running;
        try {
          running = await startApi(wired.deps, {
            port: opts.port ?? config.apiPort,
            host: opts.host,
            // A worker opens the port with its peers (api/cluster/listen-together.ts).
            beforeListen: clustered ? waitForPeers : undefined,
            settings: {
              corsOrigins: opts.corsOrigin
                ? opts.corsOrigin
                    .split(',')
                    .map((o) => o.trim())
                    .filter(Boolean)
                : [],
              rateLimit: opts.rateLimit === 0 ? false : { max: opts.rateLimit, timeWindowMs: 60_000 },
              logRequests: !opts.quietRequests,
              rateLimitStore: clustered ? 'redis' : 'memory',
            },
          });
        } catch (err) {
          await wired.close();
          throw err;
        }
        const signal = await untilSignal();
        logger.info({ signal }, 'stopping: draining requests, then flushing the producer');
        // Exits explicitly: a client left connecting to a restarted broker must not keep it alive.
        await stopAndExit(async () => {
          await running.close();
          await wired.close();
        }, logger);
      },
    );
}
