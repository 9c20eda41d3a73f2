import { loadConfig } from '../../lib/config.js';
import { health } from '../../lib/health.js';
import { logger } from '../../lib/logger.js';
import { startProcessors, type ProcessorSelection } from '../../processors/start.js';
import { serveHealth } from '../health-server.js';
import { requireRedisUrl, stopAndExit, untilSignal } from './common.js';

export interface ProcessCommandOptions {
  which: ProcessorSelection;
  version?: string;
  concurrency: number;
  sessionTimeoutMs: number;
  /** Serve GET /health and GET /metrics on 127.0.0.1 at this port. */
  healthPort?: number;
}

/** `recostream process`: runs processors until SIGINT/SIGTERM, then leaves the group cleanly. */
export async function runProcessCommand(opts: ProcessCommandOptions): Promise<void> {
  const config = loadConfig();
  const version = opts.version ?? config.featureVersion;
  const running = await startProcessors({
    which: opts.which,
    version,
    kafkaBrokers: config.kafkaBrokers,
    registryUrl: config.schemaRegistryUrl,
    redisUrl: requireRedisUrl(config, 'process'),
    logger,
    dedupeHorizonDays: config.dedupeHorizonDays,
    concurrency: opts.concurrency,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    clientId: `recostream-process-${version}`,
  });
  // The processors report their health (Redis reachable, batches succeeding) to the process-wide registry.
  const server =
    opts.healthPort === undefined ? undefined : await serveHealth(opts.healthPort, () => health.status());
  logger.info({ which: opts.which, version, groups: running.processors.map((p) => p.groupId) }, 'processing');
  const signal = await untilSignal();
  logger.info({ signal }, 'stopping processors');
  server?.close();
  await stopAndExit(() => running.stop(), logger);
}
