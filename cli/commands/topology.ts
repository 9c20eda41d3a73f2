import { Command } from 'commander';

interface TopologyOptions {
  featureVersion?: string;
  json?: boolean;
}

/** `recostream topology apply|describe`: topics and schemas as declared in topology/topics.ts. */
export function topologyCommand(): Command {
  const cmd = new Command('topology').description(
    'Create and inspect the Kafka topics and registered schemas (uses KAFKA_BROKERS and SCHEMA_REGISTRY_URL)',
  );
  cmd
    .command('apply')
    .description(
      'Create missing topics, set configs that differ, add partitions to grown declarations (never shrinks or deletes) and register every value schema; prints what changed',
    )
    .option('--feature-version <version>', 'feature topics of this version (default: $FEATURE_VERSION)')
    .option('--json', 'print the changes as JSON')
    .action(async (opts: TopologyOptions) => {
      const { loadConfig } = await import('../../lib/config.js');
      const { createLogger } = await import('../../lib/logger.js');
      const { createKafka } = await import('../../lib/kafka.js');
      const { AvroSerde } = await import('../../schemas/serde.js');
      const { applyTopology } = await import('../../topology/apply.js');
      const { applyReport } = await import('../../topology/report.js');
      const config = loadConfig();
      const logger = createLogger('topology', { level: process.env.LOG_LEVEL ?? 'warn' });
      const result = await applyTopology({
        kafka: createKafka({ brokers: config.kafkaBrokers, clientId: 'recostream-topology', logger }),
        serde: new AvroSerde({ url: config.schemaRegistryUrl }),
        featureVersion: opts.featureVersion ?? config.featureVersion,
        logger,
      });
      process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : applyReport(result));
    });
  cmd
    .command('describe')
    .description(
      'Print the topics (partitions, cleanup policy, end offsets, registered schema versions) and each consumer group’s lag per topic',
    )
    .option('--feature-version <version>', 'feature topics of this version (default: $FEATURE_VERSION)')
    .option('--json', 'print the description as JSON')
    .action(async (opts: TopologyOptions) => {
      const { loadConfig } = await import('../../lib/config.js');
      const { createLogger } = await import('../../lib/logger.js');
      const { createKafka } = await import('../../lib/kafka.js');
      const { describeTopology } = await import('../../topology/describe.js');
      const { describeReport } = await import('../../topology/report.js');
      const config = loadConfig();
      const logger = createLogger('topology', { level: process.env.LOG_LEVEL ?? 'warn' });
      const state = await describeTopology({
        kafka: createKafka({ brokers: config.kafkaBrokers, clientId: 'recostream-topology', logger }),
        registryUrl: config.schemaRegistryUrl,
        featureVersion: opts.featureVersion ?? config.featureVersion,
      });
      process.stdout.write(opts.json ? JSON.stringify(state, null, 2) + '\n' : describeReport(state));
    });
  return cmd;
}
