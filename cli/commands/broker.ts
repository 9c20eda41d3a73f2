import { Command, InvalidArgumentError } from 'commander';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('not a TCP port');
  return n;
}

/** `recostream broker`: the embedded Kafka-protocol broker alone. */
export function brokerCommand(): Command {
  return new Command('broker')
    .description('Run the embedded Kafka-protocol broker (kafkajs, librdkafka and kafka-python speak to it)')
    .option('--port <port>', 'TCP port to listen on', port, 9092)
    .option('--data-dir <dir>', 'directory of the broker data (default: $DATA_DIR/kafka or ./data/kafka)')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--advertised-host <host>', 'host clients are told to connect to (containers, NAT)')
    .option('--advertised-port <port>', 'port clients are told to connect to', port)
    .option(
      '--flush <policy>',
      'fsync policy: always (every produce), interval:MS, or never',
      'interval:1000',
    )
    .option('--no-auto-create', 'do not create topics on first use (auto.create.topics.enable=false)')
    .action(
      async (opts: {
        port: number;
        dataDir?: string;
        host: string;
        advertisedHost?: string;
        advertisedPort?: number;
        flush: string;
        autoCreate: boolean;
      }) => {
        const { join } = await import('node:path');
        const { createLogger } = await import('../../lib/logger.js');
        const { parseFlushPolicy } = await import('../../embedded/kafka/server/flush-policy.js');
        const { runBrokerUntilSignal } = await import('../../embedded/kafka/server/run.js');
        await runBrokerUntilSignal({
          dataDir: opts.dataDir ?? join(process.env.DATA_DIR ?? './data', 'kafka'),
          port: opts.port,
          host: opts.host,
          advertisedHost: opts.advertisedHost,
          advertisedPort: opts.advertisedPort,
          flush: parseFlushPolicy(opts.flush),
          autoCreateTopics: opts.autoCreate,
          logger: createLogger('kafka-broker'),
        });
      },
    );
}
