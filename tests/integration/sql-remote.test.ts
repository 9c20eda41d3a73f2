import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server.js';
import { runRemoteQuery, SqlApiUnavailableError } from '../../cli/sql/remote.js';
import { SqlQueryError } from '../../sinks/clickhouse/query.js';
import { startApiStack, type ApiStack } from '../harness/api-stack.js';
import { entryPoint } from '../harness/entry-points.js';

/**
 * `recostream sql`'s client of POST /v1/sql (cli/sql/remote.ts) against the API's real route: the
 * snake_case answer, each refusal as its SqlQueryError kind with the API's reason sentence as the
 * message, and the key — SQL is an admin route, so the client sends API_KEY even when
 * API_READ_KEY is set too.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const WRITE_KEY = 'sql-write-key-0123456789';
const READ_KEY = 'sql-read-key-0123456789';

let s: ApiStack;
let guarded: RunningApi;
let withoutClickHouse: RunningApi;

beforeAll(async () => {
  s = await startApiStack({ clickhouse: true });
  guarded = await s.api({ apiKey: WRITE_KEY, apiReadKey: READ_KEY });
  withoutClickHouse = await s.api({ apiKey: WRITE_KEY, deps: { clickhouse: null } });
}, 180_000);

afterAll(async () => {
  await s?.stop();
});

const limits = { maxRows: 3, timeoutMs: 10_000 };

async function refusal(sql: string, options: Parameters<typeof runRemoteQuery>[1]): Promise<unknown> {
  return runRemoteQuery(sql, options).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('the remote SQL client against POST /v1/sql', () => {
  it('reads the answer: columns, rows, row_count, truncated, elapsed_ms', async () => {
    const result = await runRemoteQuery('SELECT number AS n, toString(number) AS s FROM numbers(10)', {
      apiUrl: guarded.url,
      apiKey: WRITE_KEY,
      ...limits,
    });
    expect(result.columns).toEqual([
      { name: 'n', type: 'UInt64' },
      { name: 's', type: 'String' },
    ]);
    expect(result.rows).toEqual([
      ['0', '0'],
      ['1', '1'],
      ['2', '2'],
    ]);
    expect(result.rowCount).toBe(3);
    expect(result.truncated).toBe(true);
    expect(Number.isInteger(result.elapsedMs)).toBe(true);
  });

  it('turns each refusal into its kind, with the reason sentence as the message', async () => {
    const options = { apiUrl: guarded.url, apiKey: WRITE_KEY, ...limits };
    const readOnly = await refusal('DROP TABLE interactions', options);
    expect(readOnly).toBeInstanceOf(SqlQueryError);
    expect(readOnly).toMatchObject({ kind: 'read_only' });
    expect((readOnly as Error).message).toMatch(/^refused: SQL here is read-only/);

    const invalid = await refusal('SELEKT 1', options);
    expect(invalid).toMatchObject({ kind: 'invalid_query' });
    expect((invalid as Error).message).not.toBe('invalid_query');
    expect((invalid as Error).message).toMatch(/SELEKT/);

    const slow = await refusal('SELECT count() FROM numbers(1000000000000)', { ...options, timeoutMs: 1000 });
    expect(slow).toMatchObject({ kind: 'timeout' });
    expect((slow as Error).message).toMatch(/time limit of 1 s/);

    const nowhere = await refusal('SELECT 1', { ...options, apiUrl: withoutClickHouse.url });
    expect(nowhere).toMatchObject({ kind: 'unavailable' });
    expect((nowhere as Error).message).toMatch(/ClickHouse is not available to this process/);
  });

  it('needs API_KEY: the read key and no key are refused, saying which key to set', async () => {
    const read = await refusal('SELECT 1', { apiUrl: guarded.url, apiKey: READ_KEY, ...limits });
    expect(read).toBeInstanceOf(SqlApiUnavailableError);
    expect((read as Error).message).toMatch(/refused the key \(403: .*need API_KEY\)\); set API_KEY/);
    const none = await refusal('SELECT 1', { apiUrl: guarded.url, ...limits });
    expect(none).toBeInstanceOf(SqlApiUnavailableError);
    expect((none as Error).message).toMatch(/refused the key \(401: /);
  });

  it('recostream sql sends API_KEY, not API_READ_KEY, to the API of the process owning chDB', async (ctx) => {
    // With a ClickHouse server (TEST_INFRA=containers) `recostream sql` queries it directly.
    if (s.stack.clickhouseUrl !== undefined) ctx.skip();
    const env = {
      ...process.env,
      ...s.stack.env({
        API_PORT: String(guarded.port),
        API_KEY: WRITE_KEY,
        API_READ_KEY: READ_KEY,
        LOG_LEVEL: 'silent',
      }),
    };
    const run = (sql: string) =>
      promisify(execFile)(
        process.execPath,
        [...entryPoint('cli/main.ts'), 'sql', sql, '--format', 'csv', '--max-rows', '100'],
        { cwd: ROOT, env, timeout: 120_000 },
      ).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (err: { code?: number; stdout?: string; stderr?: string }) => ({
          code: err.code ?? -1,
          stdout: err.stdout ?? '',
          stderr: err.stderr ?? '',
        }),
      );
    const ok = await run('SELECT number AS n FROM numbers(2)');
    expect(ok.stderr).toBe('');
    expect(ok).toMatchObject({ code: 0, stdout: 'n\r\n0\r\n1\r\n' });

    const refused = await run('DROP TABLE interactions');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused: SQL here is read-only/);

    // It did go through the API: with the read key as API_KEY the API refuses it.
    env.API_KEY = READ_KEY;
    const readKey = await run('SELECT 1');
    expect(readKey.code).toBe(1);
    expect(readKey.stderr).toMatch(/refused the key \(403/);
  });
});
