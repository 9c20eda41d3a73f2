import { parseConfig, type Config } from '../../lib/config.js';

/**
 * What `recostream up` runs where, from its flags and the environment. Flags win over variables;
 * a variable that names a service elsewhere (a non-loopback Kafka, a REDIS_URL, a CLICKHOUSE_URL)
 * means that service is used as it is instead of being started here, so the same command runs
 * the whole pipeline against a cluster by changing variables only.
 */

export interface UpFlags {
  dataDir?: string;
  kafkaPort?: number;
  registryPort?: number;
  apiPort?: number;
  redisPort?: number;
  host?: string;
}

export const DEFAULT_PORTS = {
  kafka: 9092,
  registry: 8081,
  api: 3000,
  // Not 6379: Debian starts a system redis-server there when the package is installed.
  redis: 6380,
} as const;

export type Embedded = { embedded: true; port: number } | { embedded: false };

export interface UpSettings {
  /** The configuration every part receives, with the addresses of what `up` starts filled in. */
  config: Config;
  /** Interface the embedded broker, registry and API bind. */
  host: string;
  kafka: Embedded;
  registry: Embedded;
  /** Spawn redis-server (REDIS_URL unset) on this port. */
  redis: Embedded;
  /** chDB in DATA_DIR/clickhouse (CLICKHOUSE_URL unset). */
  clickhouseEmbedded: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function present(env: Record<string, string | undefined>, key: string): string | undefined {
  const v = env[key]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** `host:port` entries that all point at this machine give the port to listen on; others mean "use them". */
function kafkaFromEnv(value: string | undefined): Embedded | undefined {
  if (value === undefined) return undefined;
  const entries = value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const local = entries.every((b) => LOOPBACK.has(b.slice(0, b.lastIndexOf(':'))));
  if (!local) return { embedded: false };
  return { embedded: true, port: Number(entries[0]!.slice(entries[0]!.lastIndexOf(':') + 1)) };
}

function registryFromEnv(value: string | undefined): Embedded | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined; // parseConfig reports the bad value
  }
  if (!LOOPBACK.has(url.hostname)) return { embedded: false };
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { embedded: true, port };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Resolves flags and environment into UpSettings; throws ConfigError (one line naming the
 * variable) for a bad value, like every other command.
 */
export function resolveUpSettings(
  flags: UpFlags,
  env: Record<string, string | undefined> = process.env,
): UpSettings {
  const host = flags.host ?? '127.0.0.1';
  const kafka: Embedded =
    flags.kafkaPort !== undefined
      ? { embedded: true, port: flags.kafkaPort }
      : (kafkaFromEnv(present(env, 'KAFKA_BROKERS')) ?? { embedded: true, port: DEFAULT_PORTS.kafka });
  const registry: Embedded =
    flags.registryPort !== undefined
      ? { embedded: true, port: flags.registryPort }
      : (registryFromEnv(present(env, 'SCHEMA_REGISTRY_URL')) ?? {
          embedded: true,
          port: DEFAULT_PORTS.registry,
        });
  const redis: Embedded =
    present(env, 'REDIS_URL') !== undefined
      ? { embedded: false }
      : { embedded: true, port: flags.redisPort ?? DEFAULT_PORTS.redis };

  // The variables the other parts read, pointed at what this process starts.
  const effective: Record<string, string | undefined> = { ...env };
  if (flags.dataDir !== undefined) effective.DATA_DIR = flags.dataDir;
  if (flags.apiPort !== undefined) effective.API_PORT = String(flags.apiPort);
  if (kafka.embedded) effective.KAFKA_BROKERS = `${urlHost(host)}:${kafka.port}`;
  if (registry.embedded) effective.SCHEMA_REGISTRY_URL = `http://${urlHost(host)}:${registry.port}`;
  if (redis.embedded) effective.REDIS_URL = `redis://127.0.0.1:${redis.port}`;
  const config = parseConfig(effective);
  return {
    config,
    host,
    kafka,
    registry,
    redis,
    clickhouseEmbedded: config.clickhouseUrl === undefined,
  };
}
