import { Command, Option } from 'commander';
import { nonNegativeInteger, positiveInteger } from './option-parsers.js';

export function sinkCommand(): Command {
  const cmd = new Command('sink').description('Run a sink that stores topics outside Kafka');
  cmd
    .command('clickhouse')
    .description(
      'The ClickHouse sink: interactions, items, users, the feature topics of every version, dead-letters and ' +
        'training-runs -> tables of the database recostream (CLICKHOUSE_URL, else the embedded chDB in DATA_DIR/clickhouse)',
    )
    .addOption(new Option('--group <id>', 'consumer group id').default('recostream-clickhouse-sink'))
    .addOption(
      new Option('--batch-rows <n>', 'insert once this many rows are pending')
        .argParser(positiveInteger)
        .default(50_000),
    )
    .addOption(
      new Option('--linger-ms <ms>', 'insert pending rows at the latest this long after the first was read')
        .argParser(nonNegativeInteger)
        .default(1000),
    )
    .addOption(
      new Option(
        '--topic-refresh-ms <ms>',
        'how often to look for new feature versions (user-features.<v>, item-features.<v>)',
      )
        .argParser(positiveInteger)
        .default(30_000),
    )
    .addOption(
      new Option(
        '--session-timeout-ms <ms>',
        'consumer group session timeout: how long a sink that died keeps its partitions from its replacement',
      )
        .argParser(positiveInteger)
        .default(30_000),
    )
    .addOption(
      new Option('--health-port <port>', 'serve GET /health and GET /metrics on 127.0.0.1:<port>').argParser(
        nonNegativeInteger,
      ),
    )
    .addHelpText(
      'after',
      `
Applies the DDL migrations (sinks/clickhouse/migrations) on start. Offsets are committed only after
the rows are inserted; a crash re-reads and the tables collapse the copies (docs/SQL.md). When
ClickHouse fails, the sink pauses, retries with backoff, reports unhealthy and resumes.`,
    )
    .action(
      async (opts: {
        group: string;
        batchRows: number;
        lingerMs: number;
        topicRefreshMs: number;
        sessionTimeoutMs: number;
        healthPort?: number;
      }) => {
        const { runClickHouseSinkCommand } = await import('../sink/clickhouse.js');
        await runClickHouseSinkCommand(opts);
      },
    );
  return cmd;
}
