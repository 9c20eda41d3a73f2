import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';

/** Reading ClickHouse in tests, and making it fail to write. */

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
