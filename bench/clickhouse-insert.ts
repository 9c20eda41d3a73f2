/**
 * How the ClickHouse sink should send rows: JSONEachRow (objects) against JSONCompactEachRow
 * (arrays in column order), at several batch sizes, into a copy of recostream.interactions in an
 * embedded chDB. The baseline is JSONEachRow at the sink's default batch of 50,000 rows.
 *
 *   npm run bench:clickhouse-insert [-- --rows 200000 --repeats 2]
 *
 * (Binary formats — RowBinary, Native — are not measured: the chDB connection hands the body to
 * the engine as a UTF-8 string, which would corrupt binary payloads.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openClickHouse } from '../lib/clickhouse.js';
import { silentLogger } from '../lib/logger.js';
import { applyMigrations } from '../sinks/clickhouse/migrations.js';
import { interactionRow, type InteractionRow } from '../sinks/clickhouse/rows.js';
import type { Interaction } from '../schemas/types.js';
import { benchOptions } from './support/options.js';
import { out, ratio } from './support/report.js';
import { stopwatch } from './support/timing.js';

const { rows: ROWS, repeats: REPEATS } = benchOptions({ rows: 200_000, repeats: 2 });
const BATCHES = [1000, 10_000, 50_000];
const TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'like', 'rate'] as const;

function interaction(k: number): Interaction {
  return {
    event_id: `evt-${k.toString(36)}-${(k * 2654435761) % 4294967296}`,
    user_id: `user-${k % 20_000}`,
    item_id: `item-${(k * 7) % 5000}`,
    event_type: TYPES[k % TYPES.length]!,
    rating: k % 6 === 5 ? 1 + (k % 5) : null,
    event_time: Date.UTC(2024, 0, 1) + k * 1000,
    session_id: `s-${Math.floor(k / 12)}`,
    device_type: ['mobile', 'desktop', 'tablet'][k % 3]!,
    page_context: k % 4 === 0 ? null : 'search',
    price: k % 6 === 3 ? 9.99 + (k % 50) : null,
    source: 'replay:bench.csv',
    ingest_time: Date.UTC(2025, 0, 1) + k,
  };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'recostream-bench-ch-'));
const ch = await openClickHouse({ chdbDir: path.join(dir, 'clickhouse'), logger: silentLogger });
try {
  await applyMigrations(ch.client, { logger: silentLogger });
  const rows: InteractionRow[] = Array.from({ length: ROWS }, (_, k) =>
    interactionRow(interaction(k), { partition: k % 6, offset: String(k) }),
  );
  const columns = Object.keys(rows[0]!) as (keyof InteractionRow)[];
  const arrays = rows.map((r) => columns.map((c) => r[c]));

  // Formats interleaved and repeated, best of REPEATS: the machine may be shared.
  const seconds = new Map<string, number>();
  let table = 0;
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const batch of BATCHES) {
      for (const format of ['JSONEachRow', 'JSONCompactEachRow'] as const) {
        const name = `bench_${table++}`;
        await ch.client.command({ query: `CREATE TABLE recostream.${name} AS recostream.interactions` });
        const inserting = stopwatch();
        for (let k = 0; k < ROWS; k += batch) {
          if (format === 'JSONEachRow') {
            await ch.client.insert({ table: `recostream.${name}`, values: rows.slice(k, k + batch), format });
          } else {
            await ch.client.insert({
              table: `recostream.${name}`,
              values: arrays.slice(k, k + batch),
              format,
              columns: columns as [string, ...string[]],
            });
          }
        }
        const took = inserting();
        const rs = await ch.client.query({
          query: `SELECT count() AS n FROM recostream.${name}`,
          format: 'JSONEachRow',
        });
        const [{ n }] = (await rs.json<{ n: string | number }>()) as [{ n: string | number }];
        if (Number(n) !== ROWS) throw new Error(`${name}: ${n} rows stored, expected ${ROWS}`);
        await ch.client.command({ query: `DROP TABLE recostream.${name} SYNC` });
        const key = `${format.padEnd(18)} batch ${String(batch).padStart(6)}`;
        seconds.set(key, Math.min(seconds.get(key) ?? Infinity, took));
      }
    }
  }
  const stringifying = stopwatch();
  let bytes = 0;
  for (const r of rows) bytes += JSON.stringify(r).length;
  const stringifySeconds = stringifying();

  const baseline = seconds.get(`${'JSONEachRow'.padEnd(18)} batch ${String(50_000).padStart(6)}`)!;
  out(`${ROWS} interaction rows into a copy of recostream.interactions (chDB), best of ${REPEATS}`);
  for (const [name, took] of seconds) {
    out(
      `${name}  ${took.toFixed(2).padStart(6)} s  ${String(Math.round(ROWS / took)).padStart(8)} rows/s  ` +
        `x${ratio(baseline, took)} vs JSONEachRow@50000`,
    );
  }
  out(
    `(JSON.stringify of the same rows alone: ${stringifySeconds.toFixed(2)} s, ${(bytes / 1e6).toFixed(1)} MB)`,
  );
} finally {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
}
