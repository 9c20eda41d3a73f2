import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../../lib/logger.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { Item, ItemFeatures, TopicPartitionOffset, UserFeatures } from '../../schemas/types.js';
import { itemFeaturesTopic, TOPIC, userFeaturesTopic } from '../../topology/topics.js';
import type { FeatureRecord, InteractionRow } from '../dataset.js';
import { readCompactedUpTo } from './compacted-reader.js';
import { newestEventTime, readLabels, type LabelStore } from './labels.js';
import { fromRecordOffsets, recordEndOffsets, toRecordOffsets, type EndOffsets } from './offsets.js';
import { waitForSink } from './sink-barrier.js';

/**
 * A run's input, read as of one moment. The snapshot id is the end offsets recorded first (of
 * both feature topics, the item catalog and `interactions`) and the pipeline clock: every byte a
 * run reads is determined by them, so the same id and seed give the same model.
 *
 * - Features: the latest UserFeatures / ItemFeatures per key below the offsets (tombstones
 *   removed). The clock is the newest `as_of` among them — the pipeline clock at the last feature
 *   change of the snapshot — which, unlike a clock read from Redis at some moment, follows from
 *   the offsets.
 * - Catalog: each item's category from `items` (item features carry none; the ranker and
 *   coverage use it), and active catalog items nobody interacted with yet (they are part of the
 *   catalogue that ranking is evaluated over).
 * - Labels: interactions from ClickHouse below the `interactions` offsets and up to the clock,
 *   read once the ClickHouse sink has stored everything below those offsets (see labels.ts).
 *   With no feature record at all (processors not run) the clock is the newest label's time.
 */

export interface SnapshotId {
  featureVersion: string;
  offsets: TopicPartitionOffset[];
  /** Epoch ms; null: an empty snapshot. */
  clock: number | null;
}

export interface SnapshotSizes {
  userFeatures: number;
  itemFeatures: number;
  catalogItems: number;
  featureRecordsRead: number;
  labels: number;
}

export interface Snapshot {
  id: SnapshotId;
  userFeatures: Map<string, FeatureRecord>;
  /** Item feature records with the catalog's `category` merged in; catalog-only items included. */
  itemFeatures: Map<string, FeatureRecord>;
  labels: InteractionRow[];
  sizes: SnapshotSizes;
  durationsMs: { offsets: number; features: number; sinkWait: number; labels: number };
}

export type SnapshotPhase = 'offsets' | 'features' | 'sink' | 'labels';

export interface SnapshotOptions {
  kafka: Kafka;
  admin: Admin;
  serde: AvroSerde;
  labels: LabelStore;
  logger: Logger;
  featureVersion: string;
  /** Re-read this snapshot instead of recording new offsets (a reproduction). */
  reuse?: SnapshotId;
  /** Wait for the ClickHouse sink to store the snapshot's interactions (default: do not wait). */
  sink?: { groupId: string; timeoutMs: number };
  /** Called right after the end offsets are recorded (before anything is read). */
  onOffsetsRecorded?: (ends: EndOffsets) => void | Promise<void>;
  onPhase?: (phase: SnapshotPhase, message: string) => void;
  readTimeoutMs?: number;
}

export function snapshotTopics(featureVersion: string): string[] {
  return [
    userFeaturesTopic(featureVersion),
    itemFeaturesTopic(featureVersion),
    TOPIC.items,
    TOPIC.interactions,
  ];
}

export async function takeSnapshot(opts: SnapshotOptions): Promise<Snapshot> {
  const log = opts.logger.child({ part: 'snapshot' });
  const userTopic = userFeaturesTopic(opts.featureVersion);
  const itemTopic = itemFeaturesTopic(opts.featureVersion);

  let t = performance.now();
  const ends = opts.reuse
    ? fromRecordOffsets(opts.reuse.offsets)
    : await recordEndOffsets(opts.admin, snapshotTopics(opts.featureVersion));
  const offsetsMs = performance.now() - t;
  await opts.onOffsetsRecorded?.(ends);
  const offsets = toRecordOffsets(ends);
  log.info(
    { offsets, reuse: opts.reuse !== undefined, ms: Math.round(offsetsMs) },
    'snapshot offsets recorded',
  );
  opts.onPhase?.('offsets', `end offsets of ${ends.size} topic(s) recorded`);

  t = performance.now();
  const read = await readCompactedUpTo(
    [
      { topic: userTopic, record: 'UserFeatures' },
      { topic: itemTopic, record: 'ItemFeatures' },
      { topic: TOPIC.items, record: 'Item' },
    ],
    ends,
    { kafka: opts.kafka, serde: opts.serde, logger: log, timeoutMs: opts.readTimeoutMs },
  );
  const users = read.latest.get(userTopic) as Map<string, UserFeatures>;
  const items = read.latest.get(itemTopic) as Map<string, ItemFeatures>;
  const catalog = read.latest.get(TOPIC.items) as Map<string, Item>;
  let clock: number | null = opts.reuse ? opts.reuse.clock : null;
  if (!opts.reuse) {
    for (const f of users.values()) if (clock === null || f.as_of > clock) clock = f.as_of;
    for (const f of items.values()) if (clock === null || f.as_of > clock) clock = f.as_of;
  }
  // Sorted by id: partitions arrive in any order, and the data set's index order (so every
  // seeded model) follows the order of these maps.
  const userFeatures = new Map<string, FeatureRecord>(sortedById(users).map(([id, f]) => [id, { ...f }]));
  const itemFeatures = mergeCatalog(new Map(sortedById(items)), catalog);
  const featuresMs = performance.now() - t;
  log.info(
    {
      users: users.size,
      items: items.size,
      catalogItems: catalog.size,
      records: read.records,
      tombstones: read.tombstones,
      clock: clock === null ? null : new Date(clock).toISOString(),
      ms: Math.round(featuresMs),
    },
    'snapshot features read',
  );
  opts.onPhase?.('features', `${users.size} user and ${items.size} item feature records read`);

  t = performance.now();
  if (opts.sink) {
    let logged = false;
    await waitForSink({
      admin: opts.admin,
      groupId: opts.sink.groupId,
      ends,
      timeoutMs: opts.sink.timeoutMs,
      onWait: (behind) => {
        if (logged) return;
        logged = true;
        log.info(
          { behind, group: opts.sink!.groupId },
          'waiting for the ClickHouse sink to store the snapshot',
        );
        opts.onPhase?.('sink', `waiting for the ClickHouse sink (${behind} interactions to store)`);
      },
    });
  }
  const sinkWaitMs = performance.now() - t;

  t = performance.now();
  const labels = await readLabels(opts.labels, { clock, ends });
  if (clock === null) clock = newestEventTime(labels);
  const labelsMs = performance.now() - t;
  log.info({ labels: labels.length, ms: Math.round(labelsMs) }, 'snapshot labels read');
  opts.onPhase?.('labels', `${labels.length} labelled interactions read`);

  return {
    id: { featureVersion: opts.featureVersion, offsets, clock },
    userFeatures,
    itemFeatures,
    labels,
    sizes: {
      userFeatures: users.size,
      itemFeatures: items.size,
      catalogItems: catalog.size,
      featureRecordsRead: read.records,
      labels: labels.length,
    },
    durationsMs: { offsets: offsetsMs, features: featuresMs, sinkWait: sinkWaitMs, labels: labelsMs },
  };
}

/** Item features with each item's catalog category; active catalog items without features too. */
function mergeCatalog(
  features: Map<string, ItemFeatures>,
  catalog: Map<string, Item>,
): Map<string, FeatureRecord> {
  const merged = new Map<string, FeatureRecord>();
  for (const [id, f] of features) {
    const item = catalog.get(id);
    merged.set(id, item ? { ...f, category: item.category, price: item.price } : { ...f });
  }
  // Sorted, so the catalogue's index order does not depend on the partition read order.
  const catalogOnly = [...catalog.values()]
    .filter((item) => item.is_active && !features.has(item.item_id))
    .sort((a, b) => (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0));
  for (const item of catalogOnly)
    merged.set(item.item_id, { item_id: item.item_id, category: item.category, price: item.price });
  return merged;
}

function sortedById<V>(map: Map<string, V>): [string, V][] {
  return [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
