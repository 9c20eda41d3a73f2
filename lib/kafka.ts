import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from './logger.js';

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs logs through its own logger; route it into pino so every part's logs are one JSON
 * stream. kafkajs is chatty at info (every join, every connect), so its info becomes debug.
 */
function pinoLogCreator(logger: Logger) {
  return () =>
    ({ level, label, log }: LogEntry) => {
      const { message, ...extra } = log;
      const name = LEVEL_NAMES[level] ?? 'info';
      const target = name === 'info' ? 'debug' : name;
      logger[target]({ kafkajs: label, ...extra }, message);
    };
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Overrides for kafkajs' client config (timeouts, ...). */
  config?: Partial<KafkaConfig>;
  /** Retries before a request fails (default 8, about 30 s of backoff); the backoff stays. */
  retries?: number;
}

/** The one way recostream creates kafkajs clients, against the embedded broker or a cluster alike. */
export function createKafka(opts: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(opts.logger.child({ part: 'kafkajs' })),
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: opts.retries ?? 8, maxRetryTime: 10_000 },
    ...opts.config,
  });
}
