import { Command, Option } from 'commander';
import { positiveInteger, positiveNumber } from './option-parsers.js';

export function sqlCommand(): Command {
  return new Command('sql')
    .description('Run a read-only ClickHouse SQL query against the analysis tables (database recostream)')
    .argument(
      '<query>',
      'the SQL query: SELECT, SHOW, DESCRIBE, EXISTS or EXPLAIN (tables resolve in recostream)',
    )
    .addOption(
      new Option('--format <format>', 'output format: an aligned table, a JSON array of row objects, or CSV')
        .choices(['table', 'json', 'csv'])
        .default('table'),
    )
    .addOption(
      new Option('--max-rows <n>', 'return at most N rows').argParser(positiveInteger).default(10_000),
    )
    .addOption(
      new Option('--timeout <seconds>', 'stop the query after this many seconds')
        .argParser(positiveNumber)
        .default(30),
    )
    .addHelpText(
      'after',
      `
Read-only is enforced by ClickHouse (readonly = 1): INSERT, ALTER, DROP, CREATE and changing
settings are refused. Runs against CLICKHOUSE_URL when set, else the embedded chDB in
DATA_DIR/clickhouse; when another process (recostream up) owns that chDB, the query goes to its
API (POST /v1/sql on API_PORT). Tables and views: docs/SQL.md.

Examples:
  recostream sql "SELECT event_type, count() FROM interactions FINAL GROUP BY event_type"
  recostream sql "SELECT * FROM user_features_latest WHERE version = 'v1' LIMIT 5" --format json`,
    )
    .action(
      async (query: string, opts: { format: 'table' | 'json' | 'csv'; maxRows: number; timeout: number }) => {
        const { runSqlCommand } = await import('../sql/run.js');
        await runSqlCommand(query, {
          format: opts.format,
          maxRows: opts.maxRows,
          timeoutSeconds: opts.timeout,
        });
      },
    );
}
