import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config.js';
import { DEFAULT_PORTS, resolveUpSettings } from '../../../cli/up/settings.js';

describe('recostream up: flags and environment', () => {
  it('runs everything embedded on the default ports with an empty environment', () => {
    const s = resolveUpSettings({}, {});
    expect(s.kafka).toEqual({ embedded: true, port: DEFAULT_PORTS.kafka });
    expect(s.registry).toEqual({ embedded: true, port: DEFAULT_PORTS.registry });
    expect(s.redis).toEqual({ embedded: true, port: DEFAULT_PORTS.redis });
    expect(s.clickhouseEmbedded).toBe(true);
    expect(s.config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(s.config.schemaRegistryUrl).toBe('http://127.0.0.1:8081');
    expect(s.config.redisUrl).toBe('redis://127.0.0.1:6380');
    expect(s.config.apiPort).toBe(3000);
    expect(s.config.dataDir).toBe(path.resolve('./data'));
  });

  it('flags win over variables', () => {
    const s = resolveUpSettings(
      { dataDir: '/tmp/x', kafkaPort: 19092, registryPort: 18081, apiPort: 13000, redisPort: 16380 },
      { DATA_DIR: '/elsewhere', API_PORT: '4000', KAFKA_BROKERS: 'localhost:1111' },
    );
    expect(s.config.dataDir).toBe('/tmp/x');
    expect(s.config.apiPort).toBe(13000);
    expect(s.kafka).toEqual({ embedded: true, port: 19092 });
    expect(s.config.kafkaBrokers).toEqual(['127.0.0.1:19092']);
    expect(s.config.schemaRegistryUrl).toBe('http://127.0.0.1:18081');
    expect(s.config.redisUrl).toBe('redis://127.0.0.1:16380');
  });

  it('listens where loopback variables point, so commands run next to it find it', () => {
    const s = resolveUpSettings(
      {},
      { KAFKA_BROKERS: 'localhost:29092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:28081', API_PORT: '23000' },
    );
    expect(s.kafka).toEqual({ embedded: true, port: 29092 });
    expect(s.registry).toEqual({ embedded: true, port: 28081 });
    expect(s.config.apiPort).toBe(23000);
  });

  it('uses services elsewhere as they are: cluster mode by variables only', () => {
    const s = resolveUpSettings(
      {},
      {
        KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
        SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
        REDIS_URL: 'redis://redis:6379',
        CLICKHOUSE_URL: 'http://clickhouse:8123',
      },
    );
    expect(s.kafka.embedded).toBe(false);
    expect(s.registry.embedded).toBe(false);
    expect(s.redis.embedded).toBe(false);
    expect(s.clickhouseEmbedded).toBe(false);
    expect(s.config.kafkaBrokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(s.config.redisUrl).toBe('redis://redis:6379');
  });

  it('reports a bad variable as a ConfigError naming it', () => {
    expect(() => resolveUpSettings({}, { FEATURE_VERSION: 'latest' })).toThrow(ConfigError);
    expect(() => resolveUpSettings({}, { FEATURE_VERSION: 'latest' })).toThrow(/FEATURE_VERSION/);
  });
});
