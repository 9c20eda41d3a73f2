// Embedded-only: what is under test is chDB's single owner (the process holding the chDB
// directory, `recostream sql` sending queries to its API or opening chDB itself when none holds
// it). A ClickHouse server has no owner; with CLICKHOUSE_URL `recostream sql` queries it directly.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseHandle } from '../../lib/clickhouse.js';
import { applyMigrations } from '../../sinks/clickhouse/migrations.js';
import {
  runReadOnlyQuery,
  type ReadOnlyClickHouse,
  type SqlQueryError,
} from '../../sinks/clickhouse/query.js';
import { interactionRow } from '../../sinks/clickhouse/rows.js';
import { TABLE } from '../../sinks/clickhouse/tables.js';
import { TableWriter } from '../../sinks/clickhouse/writer.js';
import { interaction } from '../harness/records.js';
import { startStack, type Stack } from '../harness/stack.js';
import { entryPoint } from '../harness/entry-points.js';

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
      [...entryPoint('cli/main.ts'), 'sql', ...args],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: 90_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * `recostream sql` against the embedded chDB, which one process owns: through that process's API
 * while it holds chDB, a message naming it when it serves none, chDB opened directly when free.
 */
describe('read-only SQL on chDB', () => {
  let stack: Stack;
  let dir: string;
  let ch: ClickHouseHandle;
  let ro: ReadOnlyClickHouse;

  beforeAll(async () => {
    stack = await startStack({ clickhouse: true, embeddedOnly: true });
    dir = stack.dataDir;
    ch = await stack.openClickHouse();
    await applyMigrations(ch.client, { logger: stack.logger });
    await new TableWriter(ch.client).insert(
      TABLE.interactions,
      Array.from({ length: 51 }, (_, k) =>
        interactionRow(interaction(k), { partition: 0, offset: String(k) }),
      ),
    );
    ro = await stack.openReadOnlyClickHouse(ch);
  });

  afterAll(async () => {
    await stack?.stop();
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
      await ch.close();
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
      ro = await stack.openReadOnlyClickHouse();
    });
  });
});
