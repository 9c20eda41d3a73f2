import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { freePort } from '../../embedded/redis/launcher.js';
import type { PartsWanted, StackParts } from './parts.js';

/**
 * The cluster-mode counterparts of the embedded parts, for `TEST_INFRA=containers`: Apache Kafka
 * (KRaft), Confluent Schema Registry, Redis and a ClickHouse server, started with testcontainers.
 * Only the harness (stack.ts) uses this; suites see the same Stack in both modes.
 *
 * Host ports are chosen here and bound explicitly, so that Kafka can advertise its address before
 * it starts and Redis and the registry keep their addresses across a stop/restart (what the outage
 * tests do).
 */

export const IMAGES = {
  kafka: 'apache/kafka:3.8.0',
  schemaRegistry: 'confluentinc/cp-schema-registry:7.7.1',
  redis: 'redis:7.2',
  clickhouse: 'clickhouse/clickhouse-server:24.8',
} as const;

const STARTUP_TIMEOUT_MS = 180_000;

/** TEST_INFRA=containers asks for containers; anything else (or nothing) for the embedded parts. */
export function containersRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TEST_INFRA === 'containers';
}

let engine: Promise<string | null> | undefined;

/** The Docker engine's host when one answers, else null (asked once per test file). */
export function dockerHost(): Promise<string | null> {
  engine ??= (async () => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const client = await getContainerRuntimeClient();
      return client.info.containerRuntime.host;
    } catch {
      return null;
    }
  })();
  return engine;
}

/** Runs a command in a container as root; throws with its output when it fails. */
async function execAsRoot(container: StartedTestContainer, command: string[]): Promise<string> {
  const result = await container.exec(command, { user: 'root' });
  if (result.exitCode !== 0) throw new Error(`${command.join(' ')}: ${result.output}`);
  return result.stdout;
}

export async function startContainerInfra(host: string, options: PartsWanted): Promise<StackParts> {
  const { GenericContainer, Network, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const started: StartedTestContainer[] = [];
  let network: StartedNetwork | undefined;
  let redis: StartedTestContainer | undefined;
  let registry: StartedTestContainer | undefined;
  let clickhouse: StartedTestContainer | undefined;
  let kafkaContainer: StartedTestContainer | undefined;
  const infra: StackParts = {
    infra: 'containers',
    async stopRedis() {
      if (!redis) throw new Error('startStack: no redis in this stack');
      // SHUTDOWN makes redis-server write its AOF and exit, which stops the container (kept, not removed).
      await redis.exec(['redis-cli', 'SHUTDOWN']).catch(() => undefined);
    },
    async restartRedis() {
      if (!redis) throw new Error('startStack: no redis in this stack');
      await redis.restart();
    },
    async stopRegistry() {
      if (!registry) throw new Error('startStack: no registry in this stack');
      // Stopped through the engine, not registry.stop(), which would remove the container.
      const client = await getContainerRuntimeClient();
      await client.container.stop(client.container.getById(registry.getId()), { timeout: 10 });
    },
    async restartRegistry() {
      if (!registry) throw new Error('startStack: no registry in this stack');
      await registry.restart();
    },
    async stopBroker() {
      if (!kafkaContainer) throw new Error('startStack: no broker in this stack');
      // Stopped through the engine (kept, with its log directory), as the registry is.
      const client = await getContainerRuntimeClient();
      await client.container.stop(client.container.getById(kafkaContainer.getId()), { timeout: 10 });
    },
    async restartBroker() {
      if (!kafkaContainer) throw new Error('startStack: no broker in this stack');
      await kafkaContainer.restart();
    },
    async makeClickHouseDirUnwritable(dir) {
      if (!clickhouse) throw new Error('startStack: no clickhouse in this stack');
      const server = clickhouse;
      // The server runs as the unprivileged clickhouse user, to whom permission bits apply.
      const mode = (await execAsRoot(server, ['stat', '-c', '%a', dir])).trim();
      await execAsRoot(server, ['chmod', '0555', dir]);
      return async () => {
        await execAsRoot(server, ['chmod', mode, dir]);
      };
    },
    async stop() {
      for (const c of started.reverse()) await c.stop({ timeout: 10_000 }).catch(() => undefined);
      await network?.stop().catch(() => undefined);
    },
  };

  try {
    if (options.kafka || options.registry) {
      network = await new Network().start();
      const port = await freePort();
      const kafka = await new GenericContainer(IMAGES.kafka)
        .withNetwork(network)
        .withNetworkAliases('kafka')
        .withExposedPorts({ container: 9092, host: port })
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093,INTERNAL://:19092',
          // Clients outside Docker reach the bound host port; the registry, inside, the alias.
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port},INTERNAL://kafka:19092`,
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT',
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
          KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          KAFKA_NUM_PARTITIONS: '1',
        })
        .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        .withStartupTimeout(STARTUP_TIMEOUT_MS)
        .start();
      started.push(kafka);
      kafkaContainer = kafka;
      infra.brokers = `${host}:${port}`;
    }

    if (options.registry) {
      const port = await freePort();
      registry = await new GenericContainer(IMAGES.schemaRegistry)
        .withNetwork(network!)
        .withNetworkAliases('schema-registry')
        .withExposedPorts({ container: 8081, host: port })
        .withEnvironment({
          SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
          SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:19092',
          SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
          SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL: 'backward',
        })
        .withWaitStrategy(Wait.forHttp('/subjects', 8081).forStatusCode(200))
        .withStartupTimeout(STARTUP_TIMEOUT_MS)
        .start();
      started.push(registry);
      infra.registryUrl = `http://${host}:${port}`;
    }

    if (options.redis) {
      const port = await freePort();
      redis = await new GenericContainer(IMAGES.redis)
        .withCommand(['redis-server', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''])
        .withExposedPorts({ container: 6379, host: port })
        .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
        .withStartupTimeout(STARTUP_TIMEOUT_MS)
        .start();
      started.push(redis);
      infra.redisUrl = `redis://${host}:${port}`;
    }

    if (options.clickhouse) {
      clickhouse = await new GenericContainer(IMAGES.clickhouse)
        .withEnvironment({
          CLICKHOUSE_USER: 'recostream',
          CLICKHOUSE_PASSWORD: 'recostream',
          CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1',
        })
        .withExposedPorts(8123)
        .withUlimits({ nofile: { soft: 262144, hard: 262144 } })
        .withWaitStrategy(Wait.forHttp('/ping', 8123).forStatusCode(200))
        .withStartupTimeout(STARTUP_TIMEOUT_MS)
        .start();
      started.push(clickhouse);
      infra.clickhouseUrl = `http://recostream:recostream@${host}:${clickhouse.getMappedPort(8123)}`;
    }
  } catch (err) {
    await infra.stop();
    throw err;
  }
  return infra;
}
