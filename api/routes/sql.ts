import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SqlQueryError, runReadOnlyQuery, type SqlErrorKind } from '../../sinks/clickhouse/query.js';
import { ApiError } from '../errors.js';
import { bearerSecurity, errorResponses } from '../http-schemas/common.js';

/**
 * POST /v1/sql: read-only ClickHouse SQL over the analysis tables. Read-only is ClickHouse's own
 * `readonly = 1` (see sinks/clickhouse/query.ts), not a parse of the query; rows and time are
 * capped. Needs API_KEY: the tables hold every raw event.
 */

const STATUS: Record<SqlErrorKind, { status: number; code: string }> = {
  invalid_query: { status: 400, code: 'invalid_query' },
  read_only: { status: 403, code: 'read_only' },
  timeout: { status: 422, code: 'query_timeout' },
  too_large: { status: 422, code: 'query_too_large' },
  unavailable: { status: 503, code: 'unavailable' },
};

export const sqlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps, auth, settings } = app.clients;

  app.post(
    '/v1/sql',
    {
      onRequest: auth.hook('write'),
      config: settings.expensiveRateLimit
        ? {
            rateLimit: {
              max: settings.expensiveRateLimit.max,
              timeWindow: settings.expensiveRateLimit.timeWindowMs,
            },
          }
        : {},
      schema: {
        tags: ['sql'],
        summary: 'Run a read-only ClickHouse query',
        security: auth.guarded('write') ? bearerSecurity : [],
        body: Type.Object(
          {
            query: Type.String({
              minLength: 1,
              maxLength: 100_000,
              description: 'one SELECT/SHOW/DESCRIBE/EXPLAIN statement, no FORMAT',
            }),
            max_rows: Type.Optional(Type.Integer({ minimum: 1, maximum: settings.sqlMaxRows })),
            timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: settings.sqlTimeoutMs })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
            rows: Type.Array(Type.Array(Type.Unknown())),
            row_count: Type.Integer(),
            truncated: Type.Boolean({ description: 'more rows matched than max_rows' }),
            elapsed_ms: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      if (!deps.clickhouse) {
        throw new ApiError(
          503,
          'unavailable',
          'ClickHouse is not available to this process: with the embedded chDB, SQL is served by the process that owns it (`recostream up`); or set CLICKHOUSE_URL',
        );
      }
      const { query, max_rows, timeout_ms } = request.body;
      try {
        const result = await runReadOnlyQuery(deps.clickhouse, query, {
          maxRows: max_rows ?? settings.sqlMaxRows,
          timeoutMs: timeout_ms ?? settings.sqlTimeoutMs,
        });
        return {
          columns: result.columns,
          rows: result.rows,
          row_count: result.rowCount,
          truncated: result.truncated,
          elapsed_ms: result.elapsedMs,
        };
      } catch (err) {
        if (err instanceof SqlQueryError) {
          const { status, code } = STATUS[err.kind];
          // `kind` is SqlQueryError's, for clients that map it back (recostream sql's remote mode).
          throw new ApiError(
            status,
            code,
            err.message,
            status < 500 ? 'query' : null,
            {},
            { kind: err.kind },
          );
        }
        throw err;
      }
    },
  );
};
