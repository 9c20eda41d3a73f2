import { loadConfig } from '../../lib/config.js';
import { createKafka } from '../../lib/kafka.js';
import { logger } from '../../lib/logger.js';
import { createRedis } from '../../lib/redis.js';
import { pipelineLag, type PipelineLag } from '../../processors/progress.js';
import { startProcessors } from '../../processors/start.js';
import { activeVersion, switchActiveVersion } from '../../sinks/redis/versions.js';
import { requireRedisUrl, untilSignal } from './common.js';

export interface ReprocessCommandOptions {
  version: string;
  switch: boolean;
  exit: boolean;
  concurrency: number;
  intervalMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function progressLine(version: string, lag: PipelineLag): string {
  const done = lag.partitions.filter((p) => p.processor === 'user-features').reduce((s, p) => s + p.next, 0);
  return `reprocess ${version}: ${done} raw events applied; lag user-features ${lag.userLag}, item-features ${lag.itemLag}`;
}

/**
 * `recostream reprocess`: the processors of a new version from offset 0 of the raw topics (new
 * consumer groups, new Redis keys, new feature topics) while the active version keeps serving.
 * Prints the lag until it is 0; with --switch then points readers at the new version.
 */
export async function runReprocessCommand(opts: ReprocessCommandOptions): Promise<void> {
  const config = loadConfig();
  const redisUrl = requireRedisUrl(config, 'reprocess');
  const redis = createRedis(redisUrl, logger);
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: `recostream-reprocess-${opts.version}`,
    logger,
  });
  const admin = kafka.admin();
  await admin.connect();
  const previous = await activeVersion(redis);
  const running = await startProcessors({
    which: 'all',
    version: opts.version,
    kafkaBrokers: config.kafkaBrokers,
    registryUrl: config.schemaRegistryUrl,
    redisUrl,
    logger,
    dedupeHorizonDays: config.dedupeHorizonDays,
    concurrency: opts.concurrency,
    clientId: `recostream-reprocess-${opts.version}`,
  });
  const out = process.stdout;
  out.write(
    `reprocessing into ${opts.version} (active version: ${previous ?? 'none'}; it keeps serving until ${opts.switch ? 'the switch' : 'you switch'})\n`,
  );
  let interrupted = false;
  const signal = untilSignal().then(() => {
    interrupted = true;
  });
  try {
    let zeroInARow = 0;
    while (!interrupted) {
      const lag = await pipelineLag(admin, redis, opts.version);
      out.write(`${progressLine(opts.version, lag)}\n`);
      zeroInARow = lag.total === 0 ? zeroInARow + 1 : 0;
      // Twice in a row: the item side has seen the user side's last repartitioned records.
      if (zeroInARow >= 2) break;
      await Promise.race([sleep(opts.intervalMs), signal]);
    }
    if (interrupted) {
      out.write(`interrupted; ${opts.version} resumes where it stopped on the next run\n`);
      return;
    }
    out.write(`${opts.version} caught up (lag 0)\n`);
    if (opts.switch) {
      await switchActiveVersion(redis, opts.version);
      out.write(`readers switched: active version ${previous ?? 'none'} -> ${opts.version}\n`);
    }
    if (opts.exit) return;
    out.write(`${opts.version} processors keep running (Ctrl-C to stop)\n`);
    await signal;
  } finally {
    await running.stop();
    await admin.disconnect();
    redis.disconnect();
  }
}
