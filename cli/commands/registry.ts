import { Command, InvalidArgumentError } from 'commander';
import { port } from './option-parsers.js';

function brokerList(value: string): string[] {
  const list = value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0 || !list.every((b) => /^[A-Za-z0-9._-]+:\d{1,5}$/.test(b))) {
    throw new InvalidArgumentError('expected host:port[,host:port...]');
  }
  return list;
}

/** `recostream registry`: the embedded Schema Registry alone, storing into any Kafka. */
export function registryCommand(): Command {
  return new Command('registry')
    .description(
      'Run the embedded Schema Registry (Confluent REST API), storing schemas in the _schemas topic of a Kafka broker',
    )
    .option('--kafka <brokers>', 'broker(s) to store schemas in (default: $KAFKA_BROKERS)', brokerList)
    .option('--port <port>', 'HTTP port to listen on', port, 8081)
    .option(
      '--host <host>',
      'interface to bind: 127.0.0.1 accepts clients on this machine only; 0.0.0.0 (every interface) exposes the registry to the network, with no authentication — firewall it',
      '127.0.0.1',
    )
    .option('--topic <name>', 'the storage topic (compacted, one partition)', '_schemas')
    .action(async (opts: { kafka?: string[]; port: number; host: string; topic: string }) => {
      const { createLogger } = await import('../../lib/logger.js');
      const { runRegistryUntilSignal } = await import('../../embedded/registry/run.js');
      let brokers = opts.kafka;
      if (!brokers) {
        const { loadConfig } = await import('../../lib/config.js');
        brokers = loadConfig().kafkaBrokers;
      }
      await runRegistryUntilSignal({
        brokers,
        port: opts.port,
        host: opts.host,
        topic: opts.topic,
        logger: createLogger('schema-registry'),
      });
    });
}
