import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBroker, type RunningBroker } from '../../embedded/kafka/index.js';
import { startRegistry, type RunningRegistry } from '../../embedded/registry/index.js';
import { createLogger, type Logger } from '../../lib/logger.js';

/** Quiet unless a test run asks for logs with TEST_LOG_LEVEL. */
export const testLogger: Logger = createLogger('test', { level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `recostream-${prefix}-`));
}

export interface EmbeddedStack {
  dataDir: string;
  broker: RunningBroker;
  registry: RunningRegistry;
  /** Stops the registry and the broker; keeps the data dir. */
  stop(): Promise<void>;
  /** Stops both and deletes the data dir. */
  close(): Promise<void>;
}

/** The embedded broker (real TCP, data on disk) and a registry storing into it. */
export async function startEmbedded(options: { dataDir?: string } = {}): Promise<EmbeddedStack> {
  const dataDir = options.dataDir ?? (await tempDir('stack'));
  const broker = await startBroker({ port: 0, dataDir, logger: testLogger, flush: { mode: 'always' } });
  let registry: RunningRegistry;
  try {
    registry = await startRegistry({ port: 0, brokers: [broker.brokers], logger: testLogger });
  } catch (err) {
    await broker.close();
    throw err;
  }
  const stop = async () => {
    await registry.close();
    await broker.close();
  };
  return {
    dataDir,
    broker,
    registry,
    stop,
    close: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
