import { ConfigError } from '../lib/config.js';

/** Prints one clear line for an error that ends a command, and sets the exit status. */
export function reportFatal(err: unknown): void {
  if (err instanceof ConfigError) {
    process.stderr.write(`recostream: ${err.message}\n`);
    process.exitCode = 78;
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`recostream: ${message}\n`);
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') {
    process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  }
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
}
