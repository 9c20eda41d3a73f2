import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { openClickHouse, type ClickHouseHandle } from '../../lib/clickhouse.js';
import type { Logger } from '../../lib/logger.js';
import { DATABASE } from './tables.js';

/**
 * Read-only SQL against the analysis tables, for `recostream sql` and the API's POST /v1/sql.
 *
 * Read-only is enforced by ClickHouse itself, never by inspecting the SQL: every query runs with
 * `readonly = 1` (no writes, no DDL, no changing settings — `SETTINGS readonly = 0` included),
 * `max_result_rows` and `max_execution_time`. readonly comes last in the settings, because once it
 * is set no further setting may be changed.
 *
 * With chDB, settings sent with a query are applied with SET and stay on the session for every
 * later statement — the sink's session would turn read-only. So in embedded mode each query gets
 * a chDB session of its own (a few milliseconds), opened on the same data directory and closed
 * afterwards; against a ClickHouse server the settings travel with each request.
 */

export const DEFAULT_MAX_ROWS = 10_000;
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ReadOnlyQueryOptions {
  /** At most this many rows are returned; `truncated` says whether there were more. */
  maxRows?: number;
  /** ClickHouse stops the query after this long (rounded up to whole seconds). */
  timeoutMs?: number;
}

export interface QueryColumn {
  name: string;
  type: string;
}

export interface QueryResult {
  columns: QueryColumn[];
  /** Values in column order, as ClickHouse's JSON formats give them (64-bit integers as strings). */
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  elapsedMs: number;
}

export type SqlErrorKind = 'read_only' | 'timeout' | 'too_large' | 'invalid_query' | 'unavailable';

/** A query ClickHouse refused or could not finish, with a kind the API maps to an HTTP status. */
export class SqlQueryError extends Error {
  constructor(
    readonly kind: SqlErrorKind,
    message: string,
    readonly clickhouseCode?: string,
    readonly clickhouseType?: string,
  ) {
    super(message);
    this.name = 'SqlQueryError';
  }
}

/** Where read-only queries run; see the module comment for why it is not just a client. */
export interface ReadOnlyClickHouse {
  readonly mode: 'server' | 'chdb';
  /** Runs `fn` with a client whose settings last for this query only. */
  withClient<T>(fn: (client: ClickHouseClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens the read-only side of ClickHouse: the server at `url`, else the embedded chDB in
 * `chdbDir`. Pass `owner` when this process already holds the chDB directory (the API running
 * next to the sink in `recostream up`); otherwise the directory is claimed, and a
 * ChdbOwnedError says which process holds it.
 */
export async function openReadOnlyClickHouse(opts: {
  url?: string;
  chdbDir: string;
  logger: Logger;
  owner?: ClickHouseHandle;
  /** Unqualified table names resolve here (default `recostream`). */
  database?: string;
}): Promise<ReadOnlyClickHouse> {
  const database = opts.database ?? DATABASE;
  if (opts.url) {
    const client = createClient({ url: opts.url, database, request_timeout: 10 * 60_000 });
    return { mode: 'server', withClient: (fn) => fn(client), close: () => client.close() };
  }
  const claimed = opts.owner
    ? undefined
    : await openClickHouse({ chdbDir: opts.chdbDir, logger: opts.logger });
  const { createChdbConnection } = await import('chdb/connection');
  return {
    mode: 'chdb',
    async withClient(fn) {
      const client = createClient({ connection: createChdbConnection({ path: opts.chdbDir }) } as Parameters<
        typeof createClient
      >[0]);
      try {
        await client.command({ query: `USE ${database}` });
        return await fn(client);
      } finally {
        await client.close();
      }
    },
    close: async () => {
      await claimed?.close();
    },
  };
}

function readOnlySettings(maxRows: number, timeoutMs: number): ClickHouseSettings {
  return {
    // 'break' stops reading once the limit is passed and returns what it has (rounded up to a
    // block), so a large result is a truncated answer rather than an error.
    max_result_rows: String(maxRows),
    result_overflow_mode: 'break',
    max_execution_time: Math.max(1, Math.ceil(timeoutMs / 1000)),
    timeout_overflow_mode: 'throw',
    // 64-bit integers as JSON strings (exact, and ClickHouse's own default over HTTP), in both modes.
    output_format_json_quote_64bit_integers: 1,
    // Last: after it, ClickHouse refuses any change of setting, the query's own included.
    readonly: '1',
  };
}

/** Runs one query under ClickHouse's read-only mode and limits. */
export async function runReadOnlyQuery(
  ch: ReadOnlyClickHouse,
  sql: string,
  opts: ReadOnlyQueryOptions = {},
): Promise<QueryResult> {
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new RangeError('maxRows must be a positive integer');
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  if (sql.trim() === '') throw new SqlQueryError('invalid_query', 'the query is empty');
  const started = performance.now();
  try {
    const result = await ch.withClient(async (client) => {
      if (ch.mode === 'chdb') await refuseSideEffects(client, sql);
      const rs = await client.query({
        query: sql,
        format: 'JSONCompact',
        clickhouse_settings: readOnlySettings(maxRows, timeoutMs),
      });
      return rs.json<unknown[]>();
    });
    const truncated = result.data.length > maxRows;
    const rows = truncated ? result.data.slice(0, maxRows) : result.data;
    return {
      columns: (result.meta ?? []).map((c) => ({ name: c.name, type: c.type })),
      rows,
      rowCount: rows.length,
      truncated,
      elapsedMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    throw toSqlQueryError(err, { timeoutMs, sql });
  }
}

/**
 * chDB executes like clickhouse-local, where `INTO OUTFILE` is honoured: the result (or, with
 * APPEND, an addition) is written to any path the process may write, and readonly = 1 does not
 * stop it (a ClickHouse server refuses INTO OUTFILE from its HTTP interface). So in embedded mode
 * the statement is first formatted by ClickHouse's own parser, which puts a top-level
 * INTO OUTFILE clause at the start of a line and escapes line breaks inside literals and
 * identifiers, and a query with that clause is refused as a write.
 */
async function refuseSideEffects(client: ClickHouseClient, sql: string): Promise<void> {
  const literal = `'${sql.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const rs = await client.query({
    query: `SELECT formatQuery(${literal}) AS formatted`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ formatted: string }>();
  if (row && /^\s*INTO\s+OUTFILE\b/im.test(row.formatted)) {
    throw new SqlQueryError(
      'read_only',
      'refused: SQL here is read-only, and INTO OUTFILE writes a file; the result is returned in the response instead',
    );
  } // KILL QUERY is allowed to a readonly user for its own queries — and in chDB every query, the
  // sink's inserts and the trainer's reads included, is the same user's.
  if (row && /^\s*KILL\b/i.test(row.formatted)) {
    throw new SqlQueryError(
      'read_only',
      "refused: SQL here is read-only, and KILL stops other parts' queries",
    );
  }
}

/** ClickHouse's errors, reworded where the limit or the refusal is recostream's. */
export function toSqlQueryError(err: unknown, ctx: { timeoutMs: number; sql: string }): SqlQueryError {
  if (err instanceof SqlQueryError) return err;
  const e = err as { message?: string; code?: string; type?: string };
  const message = (e.message ?? String(err)).trim();
  // ClickHouse's codes are numbers; a Node error code (ECONNREFUSED) means ClickHouse never answered.
  const code = typeof e.code === 'string' && /^\d+$/.test(e.code) ? e.code : undefined;
  const type = typeof e.type === 'string' ? e.type : undefined;
  switch (type) {
    case 'READONLY':
      return new SqlQueryError(
        'read_only',
        `refused: SQL here is read-only (ClickHouse readonly = 1 allows SELECT, SHOW, DESCRIBE, EXISTS and EXPLAIN, ` +
          `and no change of settings). ClickHouse said: ${message}`,
        code,
        type,
      );
    case 'TIMEOUT_EXCEEDED':
      return new SqlQueryError(
        'timeout',
        `the query was stopped after the time limit of ${Math.ceil(ctx.timeoutMs / 1000)} s; narrow it down or raise the limit. ClickHouse said: ${message}`,
        code,
        type,
      );
    case 'UNKNOWN_DATABASE':
      return new SqlQueryError(
        'invalid_query',
        `${message} The recostream database is created by the ClickHouse sink on start (\`recostream sink clickhouse\`, or \`recostream up\`).`,
        code,
        type,
      );
    case 'TOO_MANY_ROWS_OR_BYTES':
    case 'MEMORY_LIMIT_EXCEEDED':
      return new SqlQueryError(
        'too_large',
        `the query needs more than its limits allow: ${message}`,
        code,
        type,
      );
  }
  if (code !== undefined) {
    const hint =
      /syntax error/i.test(message) && /\bFORMAT\s+\w+\s*;?\s*$/i.test(ctx.sql)
        ? ' (leave FORMAT out: the output format is chosen by the caller)'
        : '';
    return new SqlQueryError('invalid_query', `${message}${hint}`, code, type);
  }
  return new SqlQueryError('unavailable', `ClickHouse could not run the query: ${message}`);
}
