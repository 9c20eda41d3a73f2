import path from 'node:path';
import { createLogger, type Logger } from '../../lib/logger.js';
import { runReadOnlyQuery } from '../../sinks/clickhouse/query.js';
import { addressesText, tryThisText } from './banner.js';
import { prepareDemoData, replayDemo, type DemoSize } from './demo.js';
import { DEFAULT_PORTS, resolveUpSettings, type UpFlags } from './settings.js';
import { startUpStack, UpInterrupted, type UpStack } from './stack.js';

export interface UpCommandOptions extends UpFlags {
  demo: boolean;
  demoSize: DemoSize;
}

/** Signals this close together are one Ctrl-C seen twice, not a second one. */
const SAME_SIGNAL_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `recostream up`: starts the stack, optionally replays the demo, prints what to try, and on
 * SIGINT/SIGTERM stops everything in order. A second signal exits at once.
 */
export async function runUpCommand(opts: UpCommandOptions): Promise<void> {
  const settings = resolveUpSettings(opts);
  const logger = createLogger('recostream', { level: settings.config.logLevel });
  const log = logger.child({ command: 'up' });

  const shutdown = new AbortController();
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (firstSignalAt === 0) {
      firstSignalAt = now;
      process.stderr.write(
        `\n${signal}: stopping in order (API, trainer, processors, sink, producer flush, broker, redis); ` +
          'press Ctrl-C again to exit at once\n',
      );
      shutdown.abort();
      return;
    }
    // One Ctrl-C can arrive twice: from the terminal and forwarded by `npm start`.
    if (now - firstSignalAt < SAME_SIGNAL_MS) return;
    // Acknowledged records are on disk and state is transactional, so a forced exit loses no
    // accepted event; the work in flight is redone on the next start.
    process.stderr.write(`${signal} again: exiting now\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let stack: UpStack;
  try {
    stack = await startUpStack({ settings, logger, signal: shutdown.signal });
  } catch (err) {
    if (err instanceof UpInterrupted) {
      log.info('interrupted while starting; stopped');
      await flush(logger);
      process.exit(0);
    }
    // Whatever is still running (a stuck client) must not keep a failed start alive.
    setTimeout(() => process.exit(1), 10_000).unref();
    throw err;
  }

  const banner = {
    addresses: stack.addresses,
    embedded: stack.embedded,
    dataDir: stack.config.dataDir,
  };
  process.stdout.write(addressesText(banner));

  try {
    if (opts.demo) await runDemo(stack, opts.demoSize, log, shutdown.signal);
    if (!shutdown.signal.aborted) {
      process.stdout.write(await tryThis(stack));
      log.info('ready; Ctrl-C to stop');
    }
  } catch (err) {
    log.error({ err }, 'the demo failed; the pipeline keeps running');
  }

  if (!shutdown.signal.aborted) {
    await new Promise<void>((resolve) =>
      shutdown.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  await stack.stop();
  log.info('stopped cleanly');
  await flush(logger);
  // Client libraries may leave idle timers behind; everything was closed above.
  process.exit(0);
}

function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

async function runDemo(stack: UpStack, size: DemoSize, log: Logger, signal: AbortSignal): Promise<void> {
  const { files } = await prepareDemoData(stack.config.dataDir, size, log);
  if (signal.aborted) return;
  await replayDemo({
    files,
    brokers: stack.config.kafkaBrokers,
    registryUrl: stack.config.schemaRegistryUrl,
    log,
    signal,
  });
  await waitForPipeline(stack, log, signal);
}

/** Waits until the processors applied every event and the sink stored every interaction. */
async function waitForPipeline(stack: UpStack, log: Logger, signal: AbortSignal): Promise<void> {
  let lastLog = 0;
  let zeros = 0;
  const started = performance.now();
  while (!signal.aborted) {
    const lag = await stack.lag();
    // Twice in a row: the item side's input grows while the user side works.
    zeros = lag.processors === 0 && lag.sink === 0 ? zeros + 1 : 0;
    if (zeros >= 2) {
      log.info(
        { s: Math.round((performance.now() - started) / 100) / 10 },
        'demo processed: features in Redis, history in ClickHouse',
      );
      return;
    }
    if (performance.now() - lastLog > 5000) {
      log.info({ processorsBehind: lag.processors, sinkBehind: lag.sink }, 'processing the demo');
      lastLog = performance.now();
    }
    await sleep(1000);
  }
}

/** The most active user and most popular item, for examples that show something. */
async function exampleIds(stack: UpStack): Promise<{ userId: string | null; itemId: string | null }> {
  const first = async (sql: string): Promise<string | null> => {
    try {
      const result = await runReadOnlyQuery(stack.sql, sql, { maxRows: 1, timeoutMs: 10_000 });
      const value = result.rows[0]?.[0];
      return typeof value === 'string' ? value : null;
    } catch {
      return null;
    }
  };
  return {
    userId: await first(
      'SELECT user_id FROM interactions FINAL GROUP BY user_id ORDER BY count() DESC, user_id LIMIT 1',
    ),
    itemId: await first(
      "SELECT item_id FROM interactions FINAL WHERE event_type = 'purchase' GROUP BY item_id ORDER BY count() DESC, item_id LIMIT 1",
    ),
  };
}

async function tryThis(stack: UpStack): Promise<string> {
  const { userId, itemId } = await exampleIds(stack);
  const sqlEnv: Record<string, string> = {};
  if (stack.config.dataDir !== path.resolve('./data')) sqlEnv.DATA_DIR = stack.config.dataDir;
  if (stack.config.apiPort !== DEFAULT_PORTS.api) sqlEnv.API_PORT = String(stack.config.apiPort);
  return tryThisText({
    apiUrl: stack.addresses.api,
    apiKey: stack.config.apiKey,
    apiReadKey: stack.config.apiReadKey,
    userId,
    itemId,
    sqlEnv,
  });
}
