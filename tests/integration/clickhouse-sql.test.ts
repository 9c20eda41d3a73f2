import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseHandle } from '../../lib/clickhouse.js';
import { applyMigrations } from '../../sinks/clickhouse/migrations.js';
import {
  openReadOnlyClickHouse,
  runReadOnlyQuery,
  SqlQueryError,
  type ReadOnlyClickHouse,
} from '../../sinks/clickhouse/query.js';
import { interactionRow } from '../../sinks/clickhouse/rows.js';
import { TABLE } from '../../sinks/clickhouse/tables.js';
import { TableWriter } from '../../sinks/clickhouse/writer.js';
import { selectRows } from '../harness/clickhouse.js';
import { interaction } from '../harness/records.js';
import { startStack, type Stack } from '../harness/stack.js';

async function expectRefused(ro: ReadOnlyClickHouse, sql: string): Promise<SqlQueryError> {
  const err = await runReadOnlyQuery(ro, sql).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, sql).toBeInstanceOf(SqlQueryError);
  expect((err as SqlQueryError).kind, sql).toBe('read_only');
  expect((err as SqlQueryError).clickhouseType, sql).toBe('READONLY');
  return err as SqlQueryError;
}

/**
 * The read-only side of ClickHouse (what POST /v1/sql and `recostream sql` run queries through):
 * answers, refusals by ClickHouse's own read-only mode, limits and errors. `recostream sql` and
 * chDB's single owner: clickhouse-sql-chdb.test.ts.
 */
describe('read-only SQL', () => {
  let stack: Stack;
  let dir: string;
  let ch: ClickHouseHandle;
  let writer: TableWriter;
  let ro: ReadOnlyClickHouse;

  beforeAll(async () => {
    stack = await startStack({ clickhouse: true });
    dir = stack.dataDir;
    ch = await stack.openClickHouse();
    await applyMigrations(ch.client, { logger: stack.logger });
    writer = new TableWriter(ch.client);
    await writer.insert(
      TABLE.interactions,
      Array.from({ length: 50 }, (_, k) =>
        interactionRow(interaction(k), { partition: 0, offset: String(k) }),
      ),
    );
    ro = await stack.openReadOnlyClickHouse(ch);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers a SELECT with columns, types and rows; unqualified names resolve in recostream', async () => {
    const result = await runReadOnlyQuery(
      ro,
      `SELECT event_type, count() AS n FROM interactions FINAL GROUP BY event_type ORDER BY event_type`,
    );
    expect(result.columns).toEqual([
      { name: 'event_type', type: 'LowCardinality(String)' },
      { name: 'n', type: 'UInt64' },
    ]);
    expect(result.rows).toEqual([
      ['add_to_cart', '8'],
      ['click', '9'],
      ['like', '8'],
      ['purchase', '8'],
      ['rate', '8'],
      ['view', '9'],
    ]);
    expect(result).toMatchObject({ rowCount: 6, truncated: false });
  });

  it('refuses INSERT, DROP, ALTER, CREATE and SETTINGS readonly = 0 through ClickHouse itself', async () => {
    await expectRefused(ro, `INSERT INTO interactions (event_id) VALUES ('x')`);
    await expectRefused(ro, `DROP TABLE interactions`);
    await expectRefused(ro, `ALTER TABLE interactions DELETE WHERE 1`);
    await expectRefused(ro, `CREATE TABLE t (x Int8) ENGINE = Memory`);
    const settings = await expectRefused(ro, `SELECT count() FROM interactions SETTINGS readonly = 0`);
    expect(settings.message).toMatch(/readonly/);
    await expectRefused(ro, `SELECT count() FROM interactions SETTINGS max_result_rows = 0`);
    // Table functions reach files and the network: readonly = 1 refuses them.
    await expectRefused(ro, `SELECT * FROM file('/etc/hostname', 'LineAsString')`);
    await expectRefused(ro, `SELECT * FROM url('http://127.0.0.1:9/x', 'LineAsString')`);
    // What readonly = 1 lets through in chDB (files written by INTO OUTFILE, KILL of the other
    // parts' queries) is refused before the query runs.
    for (const sql of [`SELECT 1 INTO OUTFILE '${dir}/out.txt'`, `KILL QUERY WHERE 1`]) {
      const err = await runReadOnlyQuery(ro, sql).catch((e: unknown) => e);
      expect(err, sql).toMatchObject({ kind: 'read_only' });
    }
    expect(existsSync(path.join(dir, 'out.txt'))).toBe(false);
    // Nothing changed, and the writing session (the sink's) is not made read-only by any of it.
    const [{ n }] = (await selectRows<{ n: number }>(
      ch.client,
      `SELECT count() AS n FROM recostream.interactions`,
    )) as [{ n: number }];
    expect(n).toBe(50);
    await writer.insert(TABLE.interactions, [
      interactionRow(interaction(50), { partition: 0, offset: '50' }),
    ]);
    const after = await runReadOnlyQuery(ro, `SELECT count() FROM interactions`);
    expect(after.rows).toEqual([['51']]);
  });

  it('stops at the row limit and says so; stops a query at the time limit', async () => {
    const capped = await runReadOnlyQuery(ro, `SELECT number FROM system.numbers LIMIT 100000`, {
      maxRows: 10,
    });
    expect(capped).toMatchObject({ rowCount: 10, truncated: true });
    expect(capped.rows[9]).toEqual(['9']);

    const slow = await runReadOnlyQuery(ro, `SELECT count() FROM numbers(1000000000000)`, {
      timeoutMs: 1000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(slow).toBeInstanceOf(SqlQueryError);
    expect((slow as SqlQueryError).kind).toBe('timeout');
    expect((slow as SqlQueryError).message).toMatch(/time limit of 1 s/);
  });

  it('reports a bad query clearly', async () => {
    const unknown = await runReadOnlyQuery(ro, `SELECT * FROM no_such_table`).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ kind: 'invalid_query' });
    expect((unknown as Error).message).toMatch(/no_such_table/);
    const format = await runReadOnlyQuery(ro, `SELECT 1 FORMAT CSV`).catch((e: unknown) => e);
    expect((format as Error).message).toMatch(/leave FORMAT out/);
  });

  it('reports a ClickHouse server that refuses connections as unavailable', async () => {
    const refusing = await openReadOnlyClickHouse({
      url: 'http://127.0.0.1:9',
      chdbDir: stack.chdbDir,
      logger: stack.logger,
    });
    try {
      const err = await runReadOnlyQuery(refusing, 'SELECT 1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlQueryError);
      expect((err as SqlQueryError).kind).toBe('unavailable');
      expect((err as SqlQueryError).message).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await refusing.close();
    }
  });
});
