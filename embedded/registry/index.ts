import type { AddressInfo } from 'node:net';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../lib/kafka.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { buildRegistryApp } from './http.js';
import { DEFAULT_SCHEMAS_TOPIC, KafkaRegistryLog } from './kafka-log.js';
import type { RegistryLog } from './log.js';
import { SchemaStore } from './store.js';

export { DEFAULT_SCHEMAS_TOPIC } from './kafka-log.js';
export { MemoryRegistryLog, MemoryTopic } from './memory-log.js';
export type { RegistryLog } from './log.js';
export { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './compatibility.js';

export interface RegistryOptions {
  /** 0 picks a free port. Default 8081. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** The broker(s) whose `_schemas` topic stores the schemas. */
  brokers?: string[];
  /** An existing kafkajs client instead of `brokers`. */
  kafka?: Kafka;
  /** Another storage instead of Kafka (a MemoryRegistryLog for a registry without a broker). */
  log?: RegistryLog;
  /** The storage topic. Default `_schemas`. */
  topic?: string;
  logger?: Logger;
}

export interface RunningRegistry {
  /** http://host:port, what SCHEMA_REGISTRY_URL should be. */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A Confluent-compatible Schema Registry: reads its topic to the end, then serves the REST API.
 * Several registries on one broker agree with each other (see store.ts and state.ts).
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const logger = (options.logger ?? silentLogger).child({ part: 'registry' });
  let log = options.log;
  if (!log) {
    const kafka =
      options.kafka ??
      (options.brokers?.length
        ? createKafka({ brokers: options.brokers, clientId: 'recostream-registry', logger })
        : undefined);
    if (!kafka) throw new Error('startRegistry needs `brokers` (or a kafkajs client, or a log)');
    log = new KafkaRegistryLog({ kafka, topic: options.topic ?? DEFAULT_SCHEMAS_TOPIC, logger });
  }
  const store = new SchemaStore({ log, logger });
  try {
    await store.start();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  const app = buildRegistryApp({ store, logger });
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.port ?? 8081, host });
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  logger.info({ url }, 'schema registry listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await store.close();
      })()),
  };
}
