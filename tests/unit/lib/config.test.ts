import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, parseConfig } from '../../../lib/config.js';
import { entryPoint } from '../../harness/entry-points.js';

describe('config', () => {
  it('has defaults for everything', () => {
    expect(parseConfig({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      schemaRegistryUrl: 'http://127.0.0.1:8081',
      redisUrl: undefined,
      clickhouseUrl: undefined,
      dataDir: path.resolve('./data'),
      apiPort: 3000,
      apiKey: undefined,
      apiReadKey: undefined,
      logLevel: 'info',
      featureVersion: 'v1',
      dedupeHorizonDays: 30,
      training: {
        minChangedEntities: 1000,
        minIntervalMinutes: 10,
        maxIntervalHours: 24,
        promotionMetric: 'ndcg@10',
      },
    });
  });

  it('reads every variable of DESIGN.md', () => {
    expect(CONFIG_VARIABLES.sort()).toEqual(
      [
        'KAFKA_BROKERS',
        'SCHEMA_REGISTRY_URL',
        'REDIS_URL',
        'CLICKHOUSE_URL',
        'DATA_DIR',
        'API_PORT',
        'API_KEY',
        'API_READ_KEY',
        'LOG_LEVEL',
        'FEATURE_VERSION',
        'DEDUPE_HORIZON_DAYS',
        'TRAIN_MIN_CHANGED_ENTITIES',
        'TRAIN_MIN_INTERVAL_MINUTES',
        'TRAIN_MAX_INTERVAL_HOURS',
        'TRAIN_PROMOTION_METRIC',
      ].sort(),
    );
    const c = parseConfig({
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8081/',
      REDIS_URL: 'redis://redis:6379/0',
      CLICKHOUSE_URL: 'http://clickhouse:8123',
      DATA_DIR: '/var/lib/recostream',
      API_PORT: '8080',
      API_KEY: 'secret-key-1',
      LOG_LEVEL: 'debug',
      FEATURE_VERSION: 'v2',
      DEDUPE_HORIZON_DAYS: '3650',
      TRAIN_MIN_CHANGED_ENTITIES: '50',
      TRAIN_MIN_INTERVAL_MINUTES: '0.5',
      TRAIN_MAX_INTERVAL_HOURS: '6',
      TRAIN_PROMOTION_METRIC: 'rmse',
    });
    expect(c).toMatchObject({
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9092'],
      schemaRegistryUrl: 'http://registry:8081',
      redisUrl: 'redis://redis:6379/0',
      clickhouseUrl: 'http://clickhouse:8123',
      dataDir: '/var/lib/recostream',
      apiPort: 8080,
      apiKey: 'secret-key-1',
      logLevel: 'debug',
      featureVersion: 'v2',
      dedupeHorizonDays: 3650,
      training: {
        minChangedEntities: 50,
        minIntervalMinutes: 0.5,
        maxIntervalHours: 6,
        promotionMetric: 'rmse',
      },
    });
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ REDIS_URL: '', API_PORT: '' })).toMatchObject({
      redisUrl: undefined,
      apiPort: 3000,
    });
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost', /KAFKA_BROKERS must be a comma-separated list of host:port/],
    ['SCHEMA_REGISTRY_URL', 'registry:8081', /SCHEMA_REGISTRY_URL must be an http/],
    ['REDIS_URL', 'http://redis', /REDIS_URL must be a redis:\/\//],
    ['CLICKHOUSE_URL', 'clickhouse', /CLICKHOUSE_URL must be an http/],
    ['API_PORT', 'abc', /API_PORT must be a port number \(got "abc"\)/],
    ['API_PORT', '70000', /API_PORT must be between 0 and 65535/],
    ['API_KEY', 'short', /API_KEY must be at least 8 characters/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['FEATURE_VERSION', 'latest', /FEATURE_VERSION must look like v1/],
    ['DEDUPE_HORIZON_DAYS', 'month', /DEDUPE_HORIZON_DAYS must be a number of days/],
    ['DEDUPE_HORIZON_DAYS', '0', /DEDUPE_HORIZON_DAYS must be a positive number of days/],
    ['TRAIN_MIN_CHANGED_ENTITIES', '0', /TRAIN_MIN_CHANGED_ENTITIES must be at least 1/],
    ['TRAIN_MIN_CHANGED_ENTITIES', '2.5', /TRAIN_MIN_CHANGED_ENTITIES must be a whole number/],
    ['TRAIN_MIN_INTERVAL_MINUTES', '-1', /TRAIN_MIN_INTERVAL_MINUTES must not be negative/],
    ['TRAIN_MAX_INTERVAL_HOURS', '0', /TRAIN_MAX_INTERVAL_HOURS must be a positive number of hours/],
    ['TRAIN_PROMOTION_METRIC', 'auc', /TRAIN_PROMOTION_METRIC must be rmse, mae or one of/],
  ])('rejects %s=%s naming the variable', (variable, value, message) => {
    let err: unknown;
    try {
      parseConfig({ [variable]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
    expect((err as Error).message).toMatch(message);
  });

  it('stops the CLI with one clear line and status 78', () => {
    const r = spawnSync(process.execPath, [...entryPoint('cli/main.ts'), 'config'], {
      env: { ...process.env, API_PORT: 'abc' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(78);
    expect(r.stderr.trim()).toBe(
      'recostream: invalid configuration: API_PORT must be a port number (got "abc")',
    );
  });
});
