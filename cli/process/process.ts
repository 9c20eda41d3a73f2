import { loadConfig } from '../../lib/config.js';
import { logger } from '../../lib/logger.js';
import { startProcessors, type ProcessorSelection } from '../../processors/start.js';
import { requireRedisUrl, untilSignal } from './common.js';

export interface ProcessCommandOptions {
  which: ProcessorSelection;
  version?: string;
  concurrency: number;
  sessionTimeoutMs: number;
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
  logger.info({ which: opts.which, version, groups: running.processors.map((p) => p.groupId) }, 'processing');
  const signal = await untilSignal();
  logger.info({ signal }, 'stopping processors');
  await running.stop();
}
