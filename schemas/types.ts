/**
 * TypeScript shapes of the Avro records in this folder. A unit test round-trips a sample of every
 * record through avsc and checks these shapes list exactly the schema's fields, so the two cannot
 * drift apart silently. Times are epoch milliseconds (Avro timestamp-millis carried as long).
 */

export const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'like', 'rate'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Interaction {
  event_id: string;
  user_id: string;
  item_id: string;
  event_type: EventType;
  rating: number | null;
  event_time: number;
  session_id: string | null;
  device_type: string | null;
  page_context: string | null;
  price: number | null;
  source: string;
  ingest_time: number;
}

export interface Item {
  item_id: string;
  title: string | null;
  category: string | null;
  subcategory: string | null;
  brand: string | null;
  price: number | null;
  description: string | null;
  is_active: boolean;
  attributes: Record<string, string>;
  created_at: number | null;
  source: string;
  ingest_time: number;
}

export interface User {
  user_id: string;
  age: number | null;
  age_group: string | null;
  gender: string | null;
  location: string | null;
  device: string | null;
  segment: string | null;
  join_date: number | null;
  attributes: Record<string, string>;
  source: string;
  ingest_time: number;
}

interface FeatureRecordHeader {
  version: string;
  as_of: number;
  updated_at: number;
}

interface EventTypeCounts {
  n_view: number;
  n_click: number;
  n_add_to_cart: number;
  n_purchase: number;
  n_like: number;
  n_rate: number;
}

interface WindowCounts {
  cnt_1h: number;
  cnt_24h: number;
  cnt_7d: number;
  cnt_30d: number;
}

export interface UserFeatureValues extends EventTypeCounts, WindowCounts {
  total_interactions: number;
  unique_items: number;
  rating_count: number;
  avg_rating: number | null;
  first_event_time: number;
  last_event_time: number;
  active_days: number;
  purchases_7d: number;
  purchases_30d: number;
  conversion_rate: number | null;
  recent_items: string[];
  favorite_category: string | null;
  monetary_value: number;
  avg_price_point: number | null;
  diversity_score: number;
}

export interface UserFeatures extends FeatureRecordHeader, UserFeatureValues {
  user_id: string;
}

export interface ItemFeatureValues extends EventTypeCounts, WindowCounts {
  total_interactions: number;
  unique_users: number;
  rating_count: number;
  avg_rating: number | null;
  first_event_time: number;
  last_event_time: number;
  ctr: number | null;
  purchase_rate: number | null;
  popularity_score: number;
  trending_score: number | null;
}

export interface ItemFeatures extends FeatureRecordHeader, ItemFeatureValues {
  item_id: string;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface ModelMetric {
  model: string;
  split: string;
  metric: string;
  value: number;
}

export type TrainingTrigger = 'changed_entities' | 'max_interval' | 'manual';
export type TrainingStatus = 'running' | 'succeeded' | 'failed';

export interface TrainingRun {
  run_id: string;
  trigger: string;
  status: string;
  feature_version: string;
  snapshot_offsets: TopicPartitionOffset[];
  snapshot_clock: number | null;
  protocol: string;
  seed: number;
  data_sizes: Record<string, number>;
  params: Record<string, string>;
  metrics: ModelMetric[];
  durations_ms: Record<string, number>;
  served_model: string | null;
  promoted: boolean;
  promotion_reason: string | null;
  artifact_path: string | null;
  artifact_checksum: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

export interface DeadLetter {
  source: string;
  reason: string;
  field: string | null;
  raw: Buffer;
  raw_key: Buffer | null;
  topic: string | null;
  partition: number | null;
  offset: number | null;
  file: string | null;
  line: number | null;
  failed_at: number;
}

/** What one replay of a historical file did (the compacted replay-manifests topic). */
export interface ReplayManifest {
  replay_key: string;
  checksum: string;
  kind: string;
  file_name: string;
  file_path: string | null;
  file_bytes: number;
  format: string;
  compression: string | null;
  topic: string;
  column_map: Record<string, string>;
  rows_read: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  quality_score: number;
  status: string;
  forced: boolean;
  first_event_time: number | null;
  last_event_time: number | null;
  started_at: number;
  finished_at: number;
}

/** Record name -> TypeScript shape, for generic code over the schemas. */
export interface RecordTypes {
  Interaction: Interaction;
  Item: Item;
  User: User;
  UserFeatures: UserFeatures;
  ItemFeatures: ItemFeatures;
  TrainingRun: TrainingRun;
  DeadLetter: DeadLetter;
  ReplayManifest: ReplayManifest;
}

export type RecordName = keyof RecordTypes;
export const RECORD_NAMES: readonly RecordName[] = [
  'Interaction',
  'Item',
  'User',
  'UserFeatures',
  'ItemFeatures',
  'TrainingRun',
  'DeadLetter',
  'ReplayManifest',
];
