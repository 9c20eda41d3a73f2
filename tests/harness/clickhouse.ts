import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { ClickHouseHandle } from '../../lib/clickhouse.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import {
  startClickHouseSink,
  type ClickHouseSink,
  type ClickHouseSinkOptions,
} from '../../sinks/clickhouse/sink.js';
import type { Stack } from './stack.js';

/** ClickHouse in tests: fed by the sink, read, and made to fail to write. */

/** Rows of a query, with 64-bit integers as numbers (test values are small). */
export async function selectRows<T = Record<string, unknown>>(
  client: ClickHouseClient,
  query: string,
): Promise<T[]> {
  const rs = await client.query({
    query,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return rs.json<T>();
}

/** Where the engine keeps a table's parts (a path as the engine sees it). */
export async function tableDataPath(client: ClickHouseClient, table: string): Promise<string> {
  const [row] = await selectRows<{ path: string }>(
    client,
    `SELECT data_paths[1] AS path FROM system.tables WHERE database = 'recostream' AND name = '${table}'`,
  );
  if (!row?.path) throw new Error(`no data path for recostream.${table}`);
  return row.path;
}

/**
 * Makes a directory of this machine unwritable until the returned function is called: a real
 * write failure for whatever writes there (chDB creating a part). Root ignores permission bits,
 * so as root the directory is made immutable instead (chattr +i, ext4/xfs/btrfs).
 */
export async function makeUnwritable(dir: string): Promise<() => Promise<void>> {
  if (process.getuid?.() === 0) {
    await promisify(execFile)('chattr', ['+i', dir]);
    return async () => {
      await promisify(execFile)('chattr', ['-i', dir]);
    };
  }
  await chmod(dir, 0o555);
  return () => chmod(dir, 0o755);
}

/** ClickHouse fed by the ClickHouse sink, as the API and training suites use it. */
export interface SinkedClickHouse {
  /** The writable handle the sink uses (chDB's owner in embedded mode). */
  owner: ClickHouseHandle;
  sink: ClickHouseSink;
  /** Read-only access, as the API's SQL route and the trainer have it. */
  clickhouse: ReadOnlyClickHouse;
}

/** What a suite may tune of the sink it gets; the rest is fixed by the stack. */
export type SinkTuning = Pick<ClickHouseSinkOptions, 'lingerMs' | 'topicRefreshMs' | 'retryMaxMs' | 'health'>;

/**
 * Opens the stack's ClickHouse (chDB in its data dir, or the container in containers mode) and
 * starts the ClickHouse sink on it, tuned for tests: 200 ms linger, topics rediscovered every 2 s
 * (`tuning` overrides these and the sink's other knobs a suite needs). The caller stops the sink;
 * stack.stop() closes both handles after it.
 */
export async function startSinkedClickHouse(
  stack: Stack,
  kafka: Kafka,
  serde: AvroSerde,
  tuning: SinkTuning = {},
): Promise<SinkedClickHouse> {
  const owner = await stack.openClickHouse();
  const sink = await startClickHouseSink({
    kafka,
    serde,
    clickhouse: owner.client,
    registryUrl: stack.registryUrl!,
    logger: stack.logger,
    lingerMs: 200,
    topicRefreshMs: 2_000,
    ...tuning,
  });
  return { owner, sink, clickhouse: await stack.openReadOnlyClickHouse(owner) };
}
