import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse, type ClickHouseHandle } from '../../lib/clickhouse.js';
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
import { interaction, selectRows } from '../support/clickhouse-sink.js';
import { tempDir, testLogger } from '../support/embedded.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `recostream sql ...` as a child process with its own environment. */
async function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'cli', 'main.ts'), 'sql', ...args],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: 90_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

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

describe('read-only SQL', () => {
  let dir: string;
  let chdbDir: string;
  let ch: ClickHouseHandle | undefined;
  let writer: TableWriter;
  let ro: ReadOnlyClickHouse;

  beforeAll(async () => {
    dir = await tempDir('ch-sql');
    chdbDir = path.join(dir, 'clickhouse');
    ch = await openClickHouse({ chdbDir, logger: testLogger });
    await applyMigrations(ch.client, { logger: testLogger });
    writer = new TableWriter(ch.client);
    await writer.insert(
      TABLE.interactions,
      Array.from({ length: 50 }, (_, k) =>
        interactionRow(interaction(k), { partition: 0, offset: String(k) }),
      ),
    );
    ro = await openReadOnlyClickHouse({ chdbDir, logger: testLogger, owner: ch });
  });

  afterAll(async () => {
    await ro?.close();
    await ch?.close();
    await rm(dir, { recursive: true, force: true });
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
      ch!.client,
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
    const refusing = await openReadOnlyClickHouse({ url: 'http://127.0.0.1:9', chdbDir, logger: testLogger });
    try {
      const err = await runReadOnlyQuery(refusing, 'SELECT 1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlQueryError);
      expect((err as SqlQueryError).kind).toBe('unavailable');
      expect((err as SqlQueryError).message).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await refusing.close();
    }
  });

  describe('recostream sql', () => {
    let api: Server;
    let apiPort: number;

    beforeAll(async () => {
      // What the API's POST /v1/sql (api/routes/sql.ts) does: run the query in the process that
      // owns chDB, answer in its shape (the client against the real route: sql-remote.test.ts).
      api = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          if (req.url !== '/v1/sql' || req.method !== 'POST') {
            res.writeHead(404).end();
            return;
          }
          const { query, max_rows } = JSON.parse(body) as { query: string; max_rows: number };
          runReadOnlyQuery(ro, query, { maxRows: max_rows }).then(
            (result) =>
              res.writeHead(200, { 'content-type': 'application/json' }).end(
                JSON.stringify({
                  columns: result.columns,
                  rows: result.rows,
                  row_count: result.rowCount,
                  truncated: result.truncated,
                  elapsed_ms: result.elapsedMs,
                }),
              ),
            (err: SqlQueryError) =>
              res
                .writeHead(err.kind === 'read_only' ? 403 : 400, { 'content-type': 'application/json' })
                .end(
                  JSON.stringify({ error: err.kind, field: 'query', reason: err.message, kind: err.kind }),
                ),
          );
        });
      });
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      apiPort = (api.address() as AddressInfo).port;
    });

    afterAll(async () => {
      await new Promise((resolve) => api.close(resolve));
    });

    it('sends the query to the owning process API when chDB is owned by it', async () => {
      const out = await cli(
        [
          'SELECT event_id, user_id, session_id FROM interactions ORDER BY event_time LIMIT 3',
          '--format',
          'csv',
        ],
        { DATA_DIR: dir, API_PORT: String(apiPort) },
      );
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout).toBe('event_id,user_id,session_id\r\ne-0,u0,\r\ne-1,u1,s0\r\ne-2,u2,s0\r\n');

      const refused = await cli(['DROP TABLE interactions'], { DATA_DIR: dir, API_PORT: String(apiPort) });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/read-only/);
    });

    it('says who owns chDB and how to reach it when that process serves no API', async () => {
      await new Promise((resolve) => api.close(resolve));
      const out = await cli(['SELECT 1'], { DATA_DIR: dir, API_PORT: String(apiPort) });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(new RegExp(`owned by process ${process.pid}`));
      expect(out.stderr).toMatch(/POST \/v1\/sql/);
      expect(out.stderr).toMatch(/CLICKHOUSE_URL/);
      await new Promise<void>((resolve) => api.listen(apiPort, '127.0.0.1', resolve));
    });

    it('opens the embedded chDB itself when no process owns it, in every output format', async () => {
      await ro.close();
      await ch!.close();
      ch = undefined;
      const query = `SELECT event_id, rating, [1, 2] AS arr FROM interactions WHERE event_id IN ('e-4', 'e-5') ORDER BY event_id`;
      const json = await cli([query, '--format', 'json'], { DATA_DIR: dir });
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual([
        { event_id: 'e-4', rating: null, arr: [1, 2] },
        { event_id: 'e-5', rating: 1, arr: [1, 2] },
      ]);
      const table = await cli([query], { DATA_DIR: dir });
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/│ e-4 +│ +NULL │ \[1,2\] │/);
      expect(table.stderr).toMatch(/^2 rows in \d+ ms/);

      const refused = await cli(['ALTER TABLE interactions DELETE WHERE 1'], { DATA_DIR: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/read-only/);
      const count = await cli(['SELECT count() FROM interactions', '--format', 'csv'], { DATA_DIR: dir });
      expect(count.stdout).toBe('count()\r\n51\r\n');
      ro = await openReadOnlyClickHouse({ chdbDir, logger: testLogger });
    });
  });
});
