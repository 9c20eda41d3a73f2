import type { Logger } from '../../../lib/logger.js';
import { startBroker, type BrokerOptions, type RunningBroker } from './broker.js';

/** The line printed once the broker accepts connections (scripts and tests wait for it). */
export const READY_PREFIX = 'kafka broker ready on ';

/**
 * Runs the broker as a process's main job: prints the ready line, then closes (flushing the
 * logs) on SIGINT/SIGTERM and exits 0.
 */
export async function runBrokerUntilSignal(opts: BrokerOptions & { logger: Logger }): Promise<RunningBroker> {
  const broker = await startBroker(opts);
  process.stdout.write(`${READY_PREFIX}${broker.brokers}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    opts.logger.info({ signal }, 'stopping broker');
    broker.close().then(
      () => process.exit(0),
      (err: unknown) => {
        opts.logger.error({ err }, 'broker did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return broker;
}
