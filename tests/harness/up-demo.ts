import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { freePorts } from '../../embedded/redis/launcher.js';
import { spawnCli, type ChildHandle } from './processes.js';

/** A small demo data set: the end-to-end tests check it in full. */
export const DEMO = { users: 60, items: 40, interactions: 1500 } as const;

/** The columns of the demo's interactions file the tests look at. */
export interface DemoRow {
  user_id: string;
  item_id: string;
  event_type: string;
}

export interface UpPorts {
  kafka: number;
  registry: number;
  api: number;
  redis: number;
}

export interface RunningUp extends ChildHandle {
  /** Everything the child printed so far (`output()` keeps only the last lines). */
  printed(): string;
  /**
   * Polls `fn` every half second until it returns a value (a throw counts as not yet); fails with
   * the child's output when the child exits first or `timeoutMs` passes.
   */
  until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T>;
}

export interface UpDemo {
  dataDir: string;
  ports: UpPorts;
  /** The API's base URL. */
  api: string;
  /** Starts `recostream up --demo` (a second start resumes from the same DATA_DIR and ports). */
  start(): RunningUp;
  /** The demo's interactions file, as `up --demo` generated it. */
  demoRows(): Promise<DemoRow[]>;
  /** Deletes the data dir. */
  remove(): Promise<void>;
}

/**
 * `recostream up --demo` as a user runs it, from the sources, as a child process with a DATA_DIR
 * of its own and free ports. It starts every part itself: there is no stack to pass it.
 */
export async function prepareUpDemo(name: string): Promise<UpDemo> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `recostream-${name}-`));
  const [kafka, registry, api, redis] = (await freePorts(4)) as [number, number, number, number];
  const ports: UpPorts = { kafka, registry, api, redis };
  return {
    dataDir,
    ports,
    api: `http://127.0.0.1:${ports.api}`,
    start: () => startUp(dataDir, ports),
    async demoRows() {
      const csv = await readFile(path.join(dataDir, 'demo', 'interactions.csv'));
      return parse(csv, { columns: true }) as DemoRow[];
    },
    remove: () => rm(dataDir, { recursive: true, force: true }),
  };
}

function startUp(dataDir: string, ports: UpPorts): RunningUp {
  const child = spawnCli(
    [
      'up',
      '--demo',
      '--data-dir',
      dataDir,
      '--kafka-port',
      String(ports.kafka),
      '--registry-port',
      String(ports.registry),
      '--api-port',
      String(ports.api),
      '--redis-port',
      String(ports.redis),
      '--demo-users',
      String(DEMO.users),
      '--demo-items',
      String(DEMO.items),
      '--demo-interactions',
      String(DEMO.interactions),
    ],
    // Variables of the surrounding shell must not redirect it (CI may set any of them).
    {
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      KAFKA_BROKERS: '',
      SCHEMA_REGISTRY_URL: '',
      REDIS_URL: '',
      CLICKHOUSE_URL: '',
      API_KEY: '',
      API_READ_KEY: '',
    },
  );
  let printed = '';
  child.child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  return {
    ...child,
    printed: () => printed,
    async until(what, fn, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.child.exitCode !== null)
          throw new Error(`recostream up exited while waiting for ${what}:\n${child.output()}`);
        const value = await fn().catch(() => undefined);
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${child.output()}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
  };
}
