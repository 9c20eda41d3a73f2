import type { Logger } from '../../lib/logger.js';
import { startRegistry, type RegistryOptions, type RunningRegistry } from './index.js';

/** The line printed once the registry serves requests (scripts and tests wait for it). */
export const REGISTRY_READY_PREFIX = 'schema registry ready on ';

/**
 * Runs the registry as a process's main job: prints the ready line, then closes on
 * SIGINT/SIGTERM and exits 0. Every write is acknowledged by the broker before it is answered,
 * so there is nothing to lose on a hard stop either.
 */
export async function runRegistryUntilSignal(
  opts: RegistryOptions & { logger: Logger },
): Promise<RunningRegistry> {
  const registry = await startRegistry(opts);
  process.stdout.write(`${REGISTRY_READY_PREFIX}${registry.url}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    opts.logger.info({ signal }, 'stopping schema registry');
    registry.close().then(
      () => process.exit(0),
      (err: unknown) => {
        opts.logger.error({ err }, 'schema registry did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return registry;
}
