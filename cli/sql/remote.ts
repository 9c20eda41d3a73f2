import { SqlQueryError, type QueryResult, type SqlErrorKind } from '../../sinks/clickhouse/query.js';

/**
 * The client side of the API's `POST /v1/sql` (api/routes/sql.ts), for when another process
 * (`recostream up`) owns the embedded chDB. Request `{ query, max_rows, timeout_ms }`; response
 * `{ columns, rows, row_count, truncated, elapsed_ms }`; errors: 4xx/5xx with the API's error body
 * `{ error: code, reason, kind }` (kind as in SqlQueryError). The key travels as
 * `Authorization: Bearer <key>`.
 */

export interface RemoteQueryOptions {
  apiUrl: string;
  apiKey?: string;
  maxRows: number;
  timeoutMs: number;
}

/** The API could not be reached or does not serve SQL; `why` is worded for the user. */
export class SqlApiUnavailableError extends Error {
  constructor(
    readonly endpoint: string,
    readonly why: string,
  ) {
    super(`${endpoint}: ${why}`);
    this.name = 'SqlApiUnavailableError';
  }
}

const KINDS: readonly SqlErrorKind[] = ['read_only', 'timeout', 'too_large', 'invalid_query', 'unavailable'];

export async function runRemoteQuery(sql: string, opts: RemoteQueryOptions): Promise<QueryResult> {
  const endpoint = `${opts.apiUrl.replace(/\/+$/, '')}/v1/sql`;
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
      },
      body: JSON.stringify({ query: sql, max_rows: opts.maxRows, timeout_ms: opts.timeoutMs }),
      // The server enforces the query's time limit; this only guards against a hung connection.
      signal: AbortSignal.timeout(opts.timeoutMs + 30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new SqlApiUnavailableError(endpoint, `no API answering (${cause})`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.status === 404) {
    throw new SqlApiUnavailableError(endpoint, 'the API there does not serve SQL (404)');
  }
  const payload = (body ?? {}) as Partial<RemoteResult> & {
    error?: unknown;
    reason?: unknown;
    kind?: unknown;
  };
  // A 403 with a SQL error kind is ClickHouse refusing the query (read_only), not the key.
  if (res.status === 401 || (res.status === 403 && payload.kind === undefined)) {
    // SQL is an admin route: only API_KEY opens it (API_READ_KEY is refused with 403).
    const why = typeof payload.reason === 'string' ? payload.reason : 'no reason given';
    throw new SqlApiUnavailableError(
      endpoint,
      `the API refused the key (${res.status}: ${why}); set API_KEY to that API's API_KEY`,
    );
  }
  if (!res.ok) {
    const message = String(payload.reason ?? payload.error ?? (text || `HTTP ${res.status}`));
    const kind = KINDS.includes(payload.kind as SqlErrorKind)
      ? (payload.kind as SqlErrorKind)
      : 'unavailable';
    throw new SqlQueryError(kind, message);
  }
  if (!Array.isArray(payload.columns) || !Array.isArray(payload.rows)) {
    throw new SqlApiUnavailableError(endpoint, 'the answer is not a SQL result ({ columns, rows })');
  }
  return {
    columns: payload.columns,
    rows: payload.rows,
    rowCount: payload.row_count ?? payload.rows.length,
    truncated: payload.truncated ?? false,
    elapsedMs: payload.elapsed_ms ?? 0,
  };
}

/** The API's answer: QueryResult with snake_case counts. */
interface RemoteResult {
  columns: QueryResult['columns'];
  rows: QueryResult['rows'];
  row_count: number;
  truncated: boolean;
  elapsed_ms: number;
}
