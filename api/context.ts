import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../lib/config.js';
import type { HealthRegistry } from '../lib/health.js';
import type { Logger } from '../lib/logger.js';
import type { AvroSerde } from '../schemas/serde.js';
import type { ReadOnlyClickHouse } from '../sinks/clickhouse/query.js';
import type { FeatureReader } from '../sinks/redis/reader.js';
import type { Authenticator } from './auth.js';
import type { MetricsExposition, MetricsExpositionFactory } from './cluster/metrics.js';
import type { RecordProducer, TrainerClient, UploadReplayer } from './ports.js';
import type { ReadinessProbe } from './readiness.js';
import type { ItemRecommender, PurchaseHistory, ServedModelSource } from './recommend/types.js';

/** Limits and switches of the HTTP server; every one has a default (DEFAULT_API_SETTINGS). */
export interface ApiSettings {
  /** Largest JSON body on ordinary routes. */
  bodyLimitBytes: number;
  /** Largest JSON body on POST /v1/events (up to maxEventsPerRequest events). */
  eventsBodyLimitBytes: number;
  maxEventsPerRequest: number;
  /** Largest catalog upsert batch (POST /v1/items, /v1/users). */
  maxCatalogRecordsPerRequest: number;
  /** Keys per POST /v1/features/lookup (users and items together). */
  maxLookupKeys: number;
  /** Largest uploaded file. */
  uploadLimitBytes: number;
  /** Requests per client address and window on every route; false: no limit. */
  rateLimit: { max: number; timeWindowMs: number } | false;
  /** The stricter limit of the expensive routes (SQL, uploads, training triggers). */
  expensiveRateLimit: { max: number; timeWindowMs: number } | false;
  /**
   * Where the rate limits count: in this process, or in Redis (`rs:rate-limit:*`), shared
   * by every process serving the API — the workers of `recostream api --workers`, or replicas.
   */
  rateLimitStore: 'memory' | 'redis';
  /** Origins allowed by CORS; empty: CORS off (no CORS headers at all). */
  corsOrigins: string[];
  /** POST /v1/sql limits (the request may ask for less, never more). */
  sqlMaxRows: number;
  sqlTimeoutMs: number;
  /** How long a dependency may take before the route answers 503. */
  dependencyTimeoutMs: number;
  /** Log every completed request at info (true) or only failures (false). */
  logRequests: boolean;
}

export const DEFAULT_API_SETTINGS: ApiSettings = {
  bodyLimitBytes: 1024 * 1024,
  eventsBodyLimitBytes: 16 * 1024 * 1024,
  maxEventsPerRequest: 10_000,
  maxCatalogRecordsPerRequest: 10_000,
  maxLookupKeys: 1_000,
  uploadLimitBytes: 1024 * 1024 * 1024,
  rateLimit: { max: 100_000, timeWindowMs: 60_000 },
  expensiveRateLimit: { max: 60, timeWindowMs: 60_000 },
  corsOrigins: [],
  sqlMaxRows: 10_000,
  sqlTimeoutMs: 30_000,
  dependencyTimeoutMs: 5_000,
  logRequests: true,
  rateLimitStore: 'memory',
};

/**
 * The API's collaborators, constructed by the caller (`recostream api`, `recostream up`, tests)
 * so the server never decides which implementation or which mode it runs against.
 */
export interface ApiDeps {
  config: Pick<Config, 'apiKey' | 'apiReadKey' | 'featureVersion'>;
  logger: Logger;
  /** The kafkajs client (readiness: is the cluster reachable). */
  kafka: Kafka;
  /** Produces events, catalog records, tombstones and dead letters (acks=all). */
  producer: RecordProducer;
  /** Registry access (GET /v1/schemas) and Avro coding. */
  serde: AvroSerde;
  /** Schema registry base URL, for readiness. */
  schemaRegistryUrl: string;
  redis: Redis;
  features: FeatureReader;
  /**
   * Read-only ClickHouse for POST /v1/sql (and the purchases of a version written before the
   * purchase index); null: SQL answers 503.
   */
  clickhouse: ReadOnlyClickHouse | null;
  /** Replay's programmatic entry point; null: uploads answer 503. */
  uploads: UploadReplayer | null;
  /** The training daemon; null: training routes answer 503. */
  trainer: TrainerClient | null;
  /** The model promoted by training; null or absent: recommendations by popularity. */
  servedModels?: ServedModelSource | null;
  /**
   * What a user already purchased (excluded from recommendations); default: the purchase index in
   * Redis (ClickHouse for a version written before the index existed).
   */
  purchases?: PurchaseHistory;
  /** Replaces the whole recommendation strategy (tests, experiments). */
  recommender?: ItemRecommender;
  /** Component health (processors, sink); default: the process-wide registry. */
  health?: HealthRegistry;
  /** Pipeline metrics served at /metrics besides the HTTP ones; default: lib/metrics.ts. */
  metrics?: Registry;
  /**
   * How /metrics renders the API's registries; default: this process's own. The workers of
   * `recostream api --workers` pass api/cluster/metrics.ts' aggregation over all workers.
   */
  metricsExposition?: MetricsExpositionFactory;
  /** Extra readiness probes (besides Kafka, registry, Redis, ClickHouse). */
  probes?: ReadinessProbe[];
}

/** What route plugins read from `app.clients` (decorated in the API's scope only). */
export interface ApiClients {
  deps: ApiDeps;
  settings: ApiSettings;
  auth: Authenticator;
  recommender: ItemRecommender;
  purchases: PurchaseHistory;
  health: HealthRegistry;
  metrics: Registry;
  /** The text GET /metrics serves: the HTTP and pipeline registries (of every worker). */
  metricsText: MetricsExposition;
  probes: ReadinessProbe[];
}

declare module 'fastify' {
  interface FastifyInstance {
    clients: ApiClients;
  }
}
