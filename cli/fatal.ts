import { ConfigError } from '../lib/config.js';

/**
 * The failed connection behind `err` when Kafka could not be reached (kafkajs gives up after its
 * retries with a KafkaJSConnectionError, sometimes as the cause of another error). By name, so
 * that every command does not load kafkajs just to print its errors.
 */
function kafkaConnectionFailure(err: unknown): { message: string; broker?: string } | null {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e.name === 'KafkaJSConnectionError') return e as Error & { broker?: string };
    e = e.cause;
  }
  return null;
}

/** The line printed for `err`: what went wrong, and for the usual causes, what to check. */
export function fatalMessage(err: unknown): string {
  const kafka = kafkaConnectionFailure(err);
  if (kafka) {
    const where = kafka.broker ?? process.env.KAFKA_BROKERS ?? 'KAFKA_BROKERS';
    return (
      `Kafka is unreachable at ${where} (${kafka.message}): is \`recostream up\` (or \`recostream broker\`, ` +
      'or your Kafka cluster) running, and KAFKA_BROKERS right?'
    );
  }
  return err instanceof Error ? err.message : String(err);
}

/** Prints one clear line for an error that ends a command, and sets the exit status. */
export function reportFatal(err: unknown): void {
  if (err instanceof ConfigError) {
    process.stderr.write(`recostream: ${err.message}\n`);
    process.exitCode = 78;
    return;
  }
  process.stderr.write(`recostream: ${fatalMessage(err)}\n`);
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') {
    process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  }
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
}
