/** The ClickHouse sink's public surface: the sink, its DDL, its tables and read-only SQL. */
export {
  ClickHouseSink,
  DEFAULT_SINK_GROUP,
  HEALTH_COMPONENT,
  startClickHouseSink,
  type ClickHouseSinkOptions,
  type SinkHealth,
  type SinkState,
} from './sink.js';
export {
  applyMigrations,
  appliedMigrations,
  loadMigrations,
  MigrationChecksumError,
  type Migration,
} from './migrations.js';
export { DATABASE, TABLE, FEATURE_TOPIC_PATTERN, routeOf, sourceTopics, type TableName } from './tables.js';
export {
  DEFAULT_MAX_ROWS,
  DEFAULT_TIMEOUT_MS,
  openReadOnlyClickHouse,
  runReadOnlyQuery,
  SqlQueryError,
  type QueryColumn,
  type QueryResult,
  type ReadOnlyClickHouse,
  type ReadOnlyQueryOptions,
  type SqlErrorKind,
} from './query.js';
export { sinkMetrics, type SinkMetrics } from './metrics.js';
