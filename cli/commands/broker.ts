import { Command } from 'commander';
import { port } from './option-parsers.js';

/** `recostream broker`: the embedded Kafka-protocol broker alone. */
export function brokerCommand(): Command {
  return new Command('broker')
    .description(
      'Run the embedded Kafka-protocol broker (kafkajs, librdkafka and kafka-python speak to it) and the schema registry',
    )
    .option('--port <port>', 'TCP port to listen on', port, 9092)
    .option('--data-dir <dir>', 'directory of the broker data (default: $DATA_DIR/kafka or ./data/kafka)')
    .option(
      '--host <host>',
      'interface to bind: 127.0.0.1 accepts clients on this machine only; 0.0.0.0 (every interface) exposes the broker and the registry to the network, with no authentication — firewall them, and set --advertised-host to the name clients use',
      '127.0.0.1',
    )
    .option('--advertised-host <host>', 'host clients are told to connect to (containers, NAT)')
    .option('--advertised-port <port>', 'port clients are told to connect to', port)
    .option(
      '--flush <policy>',
      'fsync policy: always (every produce), interval:MS, or never',
      'interval:1000',
    )
    .option('--no-auto-create', 'do not create topics on first use (auto.create.topics.enable=false)')
    .option('--registry-port <port>', 'HTTP port of the schema registry run alongside the broker', port, 8081)
    .option('--no-registry', 'run the broker without the schema registry')
    .action(
      async (opts: {
        port: number;
        dataDir?: string;
        host: string;
        advertisedHost?: string;
        advertisedPort?: number;
        flush: string;
        autoCreate: boolean;
        registryPort: number;
        registry: boolean;
      }) => {
        const { join } = await import('node:path');
        const { createLogger } = await import('../../lib/logger.js');
        const { parseFlushPolicy } = await import('../../embedded/kafka/server/flush-policy.js');
        const { runBrokerUntilSignal } = await import('../../embedded/kafka/server/run.js');
        const broker = await runBrokerUntilSignal({
          dataDir: opts.dataDir ?? join(process.env.DATA_DIR ?? './data', 'kafka'),
          port: opts.port,
          host: opts.host,
          advertisedHost: opts.advertisedHost,
          advertisedPort: opts.advertisedPort,
          flush: parseFlushPolicy(opts.flush),
          autoCreateTopics: opts.autoCreate,
          logger: createLogger('kafka-broker'),
        });
        if (!opts.registry) return;
        // The registry keeps nothing unacknowledged, so the broker's signal handling (close the
        // broker, exit) ends it too.
        const { startRegistry } = await import('../../embedded/registry/index.js');
        const { REGISTRY_READY_PREFIX } = await import('../../embedded/registry/run.js');
        try {
          const registry = await startRegistry({
            port: opts.registryPort,
            host: opts.host,
            brokers: [broker.brokers],
            logger: createLogger('schema-registry'),
          });
          process.stdout.write(`${REGISTRY_READY_PREFIX}${registry.url}\n`);
        } catch (err) {
          await broker.close();
          throw err;
        }
      },
    );
}
