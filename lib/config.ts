import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable recostream reads, parsed and validated once. An invalid value stops
 * the process with one line naming the variable (see `loadConfig`). Modules receive the parsed
 * `Config`; none of them reads process.env for these settings.
 */

const hostPort = /^[A-Za-z0-9._-]+:\d{1,5}$/;

const brokersSchema = z
  .string()
  .trim()
  .min(1, 'must list at least one broker')
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0 && list.every((b) => hostPort.test(b)), {
    message: 'must be a comma-separated list of host:port',
  });

const httpUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL');

const redisUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'redis:' || u.protocol === 'rediss:';
    } catch {
      return false;
    }
  }, 'must be a redis:// or rediss:// URL');

const port = z.coerce
  .number({ message: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const optionalSecret = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s === '' ? undefined : s))
  .refine((s) => s === undefined || s.length >= 8, 'must be at least 8 characters when set');

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  KAFKA_BROKERS: brokersSchema.default(['127.0.0.1:9092']),
  SCHEMA_REGISTRY_URL: httpUrl.default('http://127.0.0.1:8081'),
  REDIS_URL: redisUrl.optional(),
  CLICKHOUSE_URL: httpUrl.optional(),
  DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
  API_PORT: port.default(3000),
  API_KEY: optionalSecret,
  API_READ_KEY: optionalSecret,
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  FEATURE_VERSION: z
    .string()
    .trim()
    .regex(/^v[0-9]+[A-Za-z0-9_-]*$/, 'must look like v1, v2, v2-experiment')
    .default('v1'),
  DEDUPE_HORIZON_DAYS: z.coerce
    .number({ message: 'must be a number of days' })
    .positive('must be a positive number of days')
    .default(30),
  TRAIN_MIN_CHANGED_ENTITIES: z.coerce
    .number({ message: 'must be a number of entities' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(1000),
  TRAIN_MIN_INTERVAL_MINUTES: z.coerce
    .number({ message: 'must be a number of minutes' })
    .min(0, 'must not be negative')
    .default(10),
  TRAIN_MAX_INTERVAL_HOURS: z.coerce
    .number({ message: 'must be a number of hours' })
    .positive('must be a positive number of hours')
    .default(24),
  TRAIN_PROMOTION_METRIC: z
    .string()
    .trim()
    .regex(
      /^(?:rmse|mae|(?:precision|recall|ndcg|map|hit_rate|coverage)@[1-9][0-9]*)$/,
      'must be rmse, mae or one of precision, recall, ndcg, map, hit_rate, coverage at k (e.g. ndcg@10)',
    )
    .default('ndcg@10'),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  /** Unset: recostream spawns its own redis-server in DATA_DIR/redis. */
  redisUrl: string | undefined;
  /** Unset: embedded chDB in DATA_DIR/clickhouse. */
  clickhouseUrl: string | undefined;
  dataDir: string;
  apiPort: number;
  apiKey: string | undefined;
  apiReadKey: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  featureVersion: string;
  /** Processors recognise a repeated event_id this many days of event time behind the clock. */
  dedupeHorizonDays: number;
  /** The trainer's trigger policy and promotion metric (docs/TRAINING.md). */
  training: TrainingConfig;
}

export interface TrainingConfig {
  /** A run starts once this many users and items changed (and the minimum interval passed). */
  minChangedEntities: number;
  /** No policy run sooner than this after the previous run. */
  minIntervalMinutes: number;
  /** While anything changed, a run at the latest this long after the previous one. */
  maxIntervalHours: number;
  /** The validation metric a new model must beat the served one on to be promoted. */
  promotionMetric: string;
}

/** A configuration problem, worded as the one line the process prints before exiting. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (process.env by default); throws ConfigError naming the first bad variable. */
export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "unset" (the usual shell and compose convention).
  const present: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') present[key] = v;
  }
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const value = present[variable];
    throw new ConfigError(variable, `${issue.message}${value !== undefined ? ` (got "${value}")` : ''}`);
  }
  const e = parsed.data;
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
    redisUrl: e.REDIS_URL,
    clickhouseUrl: e.CLICKHOUSE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    apiPort: e.API_PORT,
    apiKey: e.API_KEY,
    apiReadKey: e.API_READ_KEY,
    logLevel: e.LOG_LEVEL,
    featureVersion: e.FEATURE_VERSION,
    dedupeHorizonDays: e.DEDUPE_HORIZON_DAYS,
    training: {
      minChangedEntities: e.TRAIN_MIN_CHANGED_ENTITIES,
      minIntervalMinutes: e.TRAIN_MIN_INTERVAL_MINUTES,
      maxIntervalHours: e.TRAIN_MAX_INTERVAL_HOURS,
      promotionMetric: e.TRAIN_PROMOTION_METRIC,
    },
  };
}

/** The variables this module reads, for docs, docker-compose checks and `--help`. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

let cached: Config | undefined;

/**
 * The process's configuration, parsed on first use. A bad value prints one line naming the
 * variable and exits with status 78 (EX_CONFIG), instead of a stack trace later.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  if (cached && env === process.env) return cached;
  try {
    const config = parseConfig(env);
    if (env === process.env) cached = config;
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`recostream: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
