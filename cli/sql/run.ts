import path from 'node:path';
import { ChdbOwnedError } from '../../lib/clickhouse.js';
import { loadConfig } from '../../lib/config.js';
import { silentLogger } from '../../lib/logger.js';
import { openReadOnlyClickHouse, runReadOnlyQuery, type QueryResult } from '../../sinks/clickhouse/query.js';
import { formatResult, summaryLine, type OutputFormat } from './format.js';
import { runRemoteQuery, SqlApiUnavailableError } from './remote.js';

export interface SqlCommandOptions {
  format: OutputFormat;
  maxRows: number;
  timeoutSeconds: number;
}

/**
 * `recostream sql`: the query runs against CLICKHOUSE_URL, else the embedded chDB in
 * DATA_DIR/clickhouse; when another process owns that chDB, through that process's API.
 */
export async function runSqlCommand(sql: string, opts: SqlCommandOptions): Promise<void> {
  const config = loadConfig();
  const limits = { maxRows: opts.maxRows, timeoutMs: opts.timeoutSeconds * 1000 };
  const result = await query(sql, config, limits);
  process.stdout.write(formatResult(result, opts.format));
  if (opts.format === 'table' || result.truncated) process.stderr.write(summaryLine(result, opts.maxRows));
}

async function query(
  sql: string,
  config: ReturnType<typeof loadConfig>,
  limits: { maxRows: number; timeoutMs: number },
): Promise<QueryResult> {
  let ch;
  try {
    // Logs would mix with the result on stdout: this command stays silent and reports errors.
    ch = await openReadOnlyClickHouse({
      url: config.clickhouseUrl,
      chdbDir: path.join(config.dataDir, 'clickhouse'),
      logger: silentLogger,
    });
  } catch (err) {
    if (!(err instanceof ChdbOwnedError)) throw err;
    const apiUrl = `http://127.0.0.1:${config.apiPort}`;
    try {
      return await runRemoteQuery(sql, { apiUrl, apiKey: config.apiKey, ...limits });
    } catch (remoteErr) {
      if (!(remoteErr instanceof SqlApiUnavailableError)) throw remoteErr;
      throw new Error(
        `the embedded ClickHouse (chDB) in ${err.dir} is owned by process ${err.ownerPid}, so the query was sent ` +
          `to that process's API, which failed: ${remoteErr.message}. The SQL route POST /v1/sql is served by ` +
          `\`recostream up\` (API_PORT, now ${config.apiPort}); or stop process ${err.ownerPid}, or set CLICKHOUSE_URL ` +
          `to a ClickHouse server that any number of processes can share.`,
      );
    }
  }
  try {
    return await runReadOnlyQuery(ch, sql, limits);
  } finally {
    await ch.close();
  }
}
