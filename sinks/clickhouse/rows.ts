import type {
  DeadLetter,
  Interaction,
  Item,
  ItemFeatures,
  TrainingRun,
  User,
  UserFeatures,
} from '../../schemas/types.js';
import { TOPIC } from '../../topology/topics.js';

/**
 * Avro records -> ClickHouse rows (JSONEachRow objects whose keys are the column names of the
 * migrations). Pure functions: every value is converted here, so what reaches ClickHouse is
 * exactly what these functions return and the unit tests can pin it down.
 *
 * - timestamp-millis -> 'YYYY-MM-DD hh:mm:ss.sss' in UTC for DateTime64(3, 'UTC') (unambiguous,
 *   parsed without best-effort guessing);
 * - double -> number, or 'nan' / 'inf' / '-inf' (JSON has no such numbers, and a JSON null in a
 *   non-Nullable Float64 column would silently become 0);
 * - bytes -> base64 (JSON strings cannot carry arbitrary bytes; the table decodes them on read).
 */

/** Where a record was read: its topic partition and offset (kafkajs gives offsets as strings). */
export interface SourcePosition {
  partition: number;
  offset: string;
}

/** A value ClickHouse cannot store faithfully; the record is dead-lettered with this reason. */
export class UnrepresentableValueError extends Error {
  readonly reason = 'clickhouse_unrepresentable_value';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnrepresentableValueError';
  }
}

/** The range of DateTime64 documented by ClickHouse: [1900-01-01, 2299-12-31 23:59:59.999] UTC. */
export const MIN_DATETIME64_MS = Date.UTC(1900, 0, 1);
export const MAX_DATETIME64_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

export function dateTime64(ms: number, field: string): string {
  if (!Number.isFinite(ms) || ms < MIN_DATETIME64_MS || ms > MAX_DATETIME64_MS) {
    throw new UnrepresentableValueError(
      field,
      `${field} = ${ms} ms is outside the range ClickHouse DateTime64 can store (1900-01-01 to 2299-12-31 UTC)`,
    );
  }
  // toISOString() is 'YYYY-MM-DDThh:mm:ss.sssZ' for every year in range.
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

function nullableDateTime64(ms: number | null, field: string): string | null {
  return ms === null ? null : dateTime64(ms, field);
}

export type FloatValue = number | 'nan' | 'inf' | '-inf';

export function float64(x: number): FloatValue {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}

function nullableFloat64(x: number | null): FloatValue | null {
  return x === null ? null : float64(x);
}

function position(at: SourcePosition): { kafka_partition: number; kafka_offset: string } {
  // Offsets travel as strings: JSONEachRow parses them into UInt64 without a float round trip.
  return { kafka_partition: at.partition, kafka_offset: at.offset };
}

export interface InteractionRow {
  event_id: string;
  user_id: string;
  item_id: string;
  event_type: string;
  rating: FloatValue | null;
  event_time: string;
  session_id: string | null;
  device_type: string | null;
  page_context: string | null;
  price: FloatValue | null;
  source: string;
  ingest_time: string;
  kafka_partition: number;
  kafka_offset: string;
}

export function interactionRow(r: Interaction, at: SourcePosition): InteractionRow {
  return {
    event_id: r.event_id,
    user_id: r.user_id,
    item_id: r.item_id,
    event_type: r.event_type,
    rating: nullableFloat64(r.rating),
    event_time: dateTime64(r.event_time, 'event_time'),
    session_id: r.session_id,
    device_type: r.device_type,
    page_context: r.page_context,
    price: nullableFloat64(r.price),
    source: r.source,
    ingest_time: dateTime64(r.ingest_time, 'ingest_time'),
    ...position(at),
  };
}

export interface ItemRow {
  item_id: string;
  title?: string | null;
  category?: string | null;
  subcategory?: string | null;
  brand?: string | null;
  price?: FloatValue | null;
  description?: string | null;
  is_active?: boolean;
  attributes?: Record<string, string>;
  created_at?: string | null;
  source: string;
  ingest_time: string;
  is_deleted: 0 | 1;
  kafka_partition: number;
  kafka_offset: string;
}

export function itemRow(r: Item, at: SourcePosition): ItemRow {
  return {
    item_id: r.item_id,
    title: r.title,
    category: r.category,
    subcategory: r.subcategory,
    brand: r.brand,
    price: nullableFloat64(r.price),
    description: r.description,
    is_active: r.is_active,
    attributes: r.attributes,
    created_at: nullableDateTime64(r.created_at, 'created_at'),
    source: r.source,
    ingest_time: dateTime64(r.ingest_time, 'ingest_time'),
    is_deleted: 0,
    ...position(at),
  };
}

/**
 * A tombstone (null value) on a compacted topic deletes its key: a row with is_deleted = 1 that
 * wins over the key's earlier rows (higher offset) and hides it from FINAL reads. The other
 * columns take their defaults; ingest_time is the tombstone's Kafka timestamp.
 */
export interface TombstoneRow {
  source: string;
  ingest_time?: string;
  is_deleted: 1;
  kafka_partition: number;
  kafka_offset: string;
}

export function itemTombstoneRow(itemId: string, at: SourcePosition, timestampMs: number): ItemRow {
  return { item_id: itemId, ...tombstone(at, timestampMs) };
}

export function userTombstoneRow(userId: string, at: SourcePosition, timestampMs: number): UserRow {
  return { user_id: userId, ...tombstone(at, timestampMs) };
}

export function trainingRunTombstoneRow(
  runId: string,
  at: SourcePosition,
  timestampMs: number,
): TrainingRunRow {
  return { run_id: runId, started_at: clampedDateTime64(timestampMs), is_deleted: 1, ...position(at) };
}

function tombstone(at: SourcePosition, timestampMs: number): TombstoneRow & { ingest_time: string } {
  // A broker timestamp outside DateTime64's range is not worth losing a delete over: clamp it.
  return { source: 'tombstone', ingest_time: clampedDateTime64(timestampMs), is_deleted: 1, ...position(at) };
}

/** For times recostream itself stamps (broker timestamps, failed_at), where rejecting is worse than clamping. */
function clampedDateTime64(ms: number): string {
  const finite = Number.isFinite(ms) ? ms : MIN_DATETIME64_MS;
  return dateTime64(Math.min(Math.max(finite, MIN_DATETIME64_MS), MAX_DATETIME64_MS), 'timestamp');
}

export interface UserRow {
  user_id: string;
  age?: number | null;
  age_group?: string | null;
  gender?: string | null;
  location?: string | null;
  device?: string | null;
  segment?: string | null;
  join_date?: string | null;
  attributes?: Record<string, string>;
  source: string;
  ingest_time: string;
  is_deleted: 0 | 1;
  kafka_partition: number;
  kafka_offset: string;
}

export function userRow(r: User, at: SourcePosition): UserRow {
  return {
    user_id: r.user_id,
    age: r.age,
    age_group: r.age_group,
    gender: r.gender,
    location: r.location,
    device: r.device,
    segment: r.segment,
    join_date: nullableDateTime64(r.join_date, 'join_date'),
    attributes: r.attributes,
    source: r.source,
    ingest_time: dateTime64(r.ingest_time, 'ingest_time'),
    is_deleted: 0,
    ...position(at),
  };
}

interface FeatureHeaderRow {
  version: string;
  as_of: string;
  updated_at: string;
  total_interactions: number;
  n_view: number;
  n_click: number;
  n_add_to_cart: number;
  n_purchase: number;
  n_like: number;
  n_rate: number;
  rating_count: number;
  avg_rating: FloatValue | null;
  first_event_time: string;
  last_event_time: string;
  cnt_1h: number;
  cnt_24h: number;
  cnt_7d: number;
  cnt_30d: number;
  kafka_partition: number;
  kafka_offset: string;
}

function featureHeader(r: UserFeatures | ItemFeatures, at: SourcePosition): FeatureHeaderRow {
  return {
    version: r.version,
    as_of: dateTime64(r.as_of, 'as_of'),
    updated_at: dateTime64(r.updated_at, 'updated_at'),
    total_interactions: r.total_interactions,
    n_view: r.n_view,
    n_click: r.n_click,
    n_add_to_cart: r.n_add_to_cart,
    n_purchase: r.n_purchase,
    n_like: r.n_like,
    n_rate: r.n_rate,
    rating_count: r.rating_count,
    avg_rating: nullableFloat64(r.avg_rating),
    first_event_time: dateTime64(r.first_event_time, 'first_event_time'),
    last_event_time: dateTime64(r.last_event_time, 'last_event_time'),
    cnt_1h: r.cnt_1h,
    cnt_24h: r.cnt_24h,
    cnt_7d: r.cnt_7d,
    cnt_30d: r.cnt_30d,
    ...position(at),
  };
}

export interface UserFeaturesRow extends FeatureHeaderRow {
  user_id: string;
  unique_items: number;
  active_days: number;
  purchases_7d: number;
  purchases_30d: number;
  conversion_rate: FloatValue | null;
  recent_items: string[];
  favorite_category: string | null;
  monetary_value: FloatValue;
  avg_price_point: FloatValue | null;
  diversity_score: FloatValue;
}

export function userFeaturesRow(r: UserFeatures, at: SourcePosition): UserFeaturesRow {
  return {
    user_id: r.user_id,
    ...featureHeader(r, at),
    unique_items: r.unique_items,
    active_days: r.active_days,
    purchases_7d: r.purchases_7d,
    purchases_30d: r.purchases_30d,
    conversion_rate: nullableFloat64(r.conversion_rate),
    recent_items: r.recent_items,
    favorite_category: r.favorite_category,
    monetary_value: float64(r.monetary_value),
    avg_price_point: nullableFloat64(r.avg_price_point),
    diversity_score: float64(r.diversity_score),
  };
}

export interface ItemFeaturesRow extends FeatureHeaderRow {
  item_id: string;
  unique_users: number;
  ctr: FloatValue | null;
  purchase_rate: FloatValue | null;
  popularity_score: FloatValue;
  trending_score: FloatValue | null;
}

export function itemFeaturesRow(r: ItemFeatures, at: SourcePosition): ItemFeaturesRow {
  return {
    item_id: r.item_id,
    ...featureHeader(r, at),
    unique_users: r.unique_users,
    ctr: nullableFloat64(r.ctr),
    purchase_rate: nullableFloat64(r.purchase_rate),
    popularity_score: float64(r.popularity_score),
    trending_score: nullableFloat64(r.trending_score),
  };
}

export interface DeadLetterRow {
  dead_letter_id: string;
  source: string;
  reason: string;
  field: string | null;
  raw_base64: string;
  raw_key_base64: string | null;
  topic: string | null;
  partition: number | null;
  offset: number | null;
  file: string | null;
  line: number | null;
  failed_at: string;
  kafka_partition: number;
  kafka_offset: string;
}

/**
 * What a dead letter is about, as a stable id: the rejected record's own topic position, else
 * its file and line, else (input that came from neither, e.g. an HTTP body) the dead letter's
 * position on the dead-letters topic. The same rejection reported twice gets the same id.
 */
export function deadLetterId(r: DeadLetter, at: SourcePosition): string {
  if (r.topic !== null && r.partition !== null && r.offset !== null)
    return `${r.topic}/${r.partition}/${r.offset}`;
  if (r.file !== null && r.line !== null) return `${r.file}:${r.line}`;
  return `${TOPIC.deadLetters}/${at.partition}/${at.offset}`;
}

export function deadLetterRow(r: DeadLetter, at: SourcePosition): DeadLetterRow {
  return {
    dead_letter_id: deadLetterId(r, at),
    source: r.source,
    reason: r.reason,
    field: r.field,
    raw_base64: r.raw.toString('base64'),
    raw_key_base64: r.raw_key === null ? null : r.raw_key.toString('base64'),
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    file: r.file,
    line: r.line,
    // Never reject a dead letter (that would need a dead letter of a dead letter): clamp instead.
    failed_at: clampedDateTime64(r.failed_at),
    ...position(at),
  };
}

export interface TrainingRunRow {
  run_id: string;
  trigger?: string;
  status?: string;
  feature_version?: string;
  snapshot_offsets?: { topic: string; partition: number; offset: number }[];
  snapshot_clock?: string | null;
  protocol?: string;
  seed?: number;
  data_sizes?: Record<string, number>;
  params?: Record<string, string>;
  metrics?: { model: string; split: string; metric: string; value: FloatValue }[];
  durations_ms?: Record<string, FloatValue>;
  served_model?: string | null;
  promoted?: boolean;
  promotion_reason?: string | null;
  artifact_path?: string | null;
  artifact_checksum?: string | null;
  error?: string | null;
  started_at?: string;
  finished_at?: string | null;
  is_deleted: 0 | 1;
  kafka_partition: number;
  kafka_offset: string;
}

export function trainingRunRow(r: TrainingRun, at: SourcePosition): TrainingRunRow {
  const durations: Record<string, FloatValue> = {};
  for (const [phase, ms] of Object.entries(r.durations_ms)) durations[phase] = float64(ms);
  return {
    run_id: r.run_id,
    trigger: r.trigger,
    status: r.status,
    feature_version: r.feature_version,
    snapshot_offsets: r.snapshot_offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
    })),
    snapshot_clock: nullableDateTime64(r.snapshot_clock, 'snapshot_clock'),
    protocol: r.protocol,
    seed: r.seed,
    data_sizes: r.data_sizes,
    params: r.params,
    metrics: r.metrics.map((m) => ({
      model: m.model,
      split: m.split,
      metric: m.metric,
      value: float64(m.value),
    })),
    durations_ms: durations,
    served_model: r.served_model,
    promoted: r.promoted,
    promotion_reason: r.promotion_reason,
    artifact_path: r.artifact_path,
    artifact_checksum: r.artifact_checksum,
    error: r.error,
    started_at: dateTime64(r.started_at, 'started_at'),
    finished_at: nullableDateTime64(r.finished_at, 'finished_at'),
    is_deleted: 0,
    ...position(at),
  };
}
