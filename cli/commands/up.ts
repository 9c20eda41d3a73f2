import { Command, Option } from 'commander';
import { port, positiveInteger } from './option-parsers.js';

/** `recostream up`: the whole pipeline on one machine, in one process. */
export function upCommand(): Command {
  return new Command('up')
    .description(
      'Run everything on one machine in one process: Kafka broker, schema registry, redis-server, chDB, ' +
        'topology, processors, ClickHouse sink, trainer and API; --demo replays a demo data set',
    )
    .option('--demo', 'generate a demo data set once per DATA_DIR, replay it and print what to try')
    .option('--data-dir <dir>', 'where every part keeps its data (default: DATA_DIR, ./data)')
    .addOption(
      new Option(
        '--kafka-port <port>',
        'port of the embedded Kafka broker (default: from KAFKA_BROKERS, 9092)',
      ).argParser(port),
    )
    .addOption(
      new Option(
        '--registry-port <port>',
        'port of the embedded schema registry (default: from SCHEMA_REGISTRY_URL, 8081)',
      ).argParser(port),
    )
    .addOption(new Option('--api-port <port>', 'port of the API (default: API_PORT, 3000)').argParser(port))
    .addOption(
      new Option(
        '--redis-port <port>',
        'port of the spawned redis-server when REDIS_URL is unset (default 6380)',
      ).argParser(port),
    )
    .addOption(
      new Option('--host <host>', 'interface the broker, registry and API listen on').default('127.0.0.1'),
    )
    .addOption(
      new Option('--demo-users <n>', 'users in the demo data set').argParser(positiveInteger).default(2_000),
    )
    .addOption(
      new Option('--demo-items <n>', 'items in the demo data set').argParser(positiveInteger).default(500),
    )
    .addOption(
      new Option('--demo-interactions <n>', 'interactions in the demo data set')
        .argParser(positiveInteger)
        .default(100_000),
    )
    .addHelpText(
      'after',
      `
What runs where: the embedded broker and registry unless KAFKA_BROKERS / SCHEMA_REGISTRY_URL name
hosts other than this one; a spawned redis-server (data in DATA_DIR/redis) unless REDIS_URL is set;
chDB in DATA_DIR/clickhouse unless CLICKHOUSE_URL is set. Everything else (API_KEY, API_READ_KEY,
FEATURE_VERSION, LOG_LEVEL, ...) as for the other commands (\`recostream config\`).

Starting again resumes from DATA_DIR: topics, offsets, features, history and the replay manifests
(a demo file already replayed is not produced again). Ctrl-C (SIGINT/SIGTERM) stops in order: API,
trainer, processors, ClickHouse sink, producer flush, broker, redis-server; a second Ctrl-C exits
at once. \`recostream sql\` run next to it sends its query to this process's API (POST /v1/sql).

Examples:
  recostream up --demo                       # what \`npm start\` runs
  recostream up --data-dir /tmp/rs --api-port 3001 --kafka-port 19092 --registry-port 18081`,
    )
    .action(
      async (opts: {
        demo?: boolean;
        dataDir?: string;
        kafkaPort?: number;
        registryPort?: number;
        apiPort?: number;
        redisPort?: number;
        host: string;
        demoUsers: number;
        demoItems: number;
        demoInteractions: number;
      }) => {
        const { runUpCommand } = await import('../up/run.js');
        await runUpCommand({
          demo: opts.demo === true,
          dataDir: opts.dataDir,
          kafkaPort: opts.kafkaPort,
          registryPort: opts.registryPort,
          apiPort: opts.apiPort,
          redisPort: opts.redisPort,
          host: opts.host,
          demoSize: { users: opts.demoUsers, items: opts.demoItems, interactions: opts.demoInteractions },
        });
      },
    );
}
