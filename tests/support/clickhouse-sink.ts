import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka, Message } from 'kafkajs';
import type { AvroSerde } from '../../schemas/serde.js';
import type {
  Interaction,
  ItemFeatures,
  RecordName,
  RecordTypes,
  UserFeatures,
} from '../../schemas/types.js';
import {
  declaredTopics,
  itemFeaturesTopic,
  userFeaturesTopic,
  type TopicDeclaration,
} from '../../topology/topics.js';

/** Helpers for the ClickHouse sink's integration tests: topics, typed produce, waiting, reading. */

/** Creates the declared topics of every version given (what `topology apply` does). */
export async function createTopics(kafka: Kafka, versions: string[]): Promise<void> {
  const byName = new Map<string, TopicDeclaration>();
  for (const v of versions) for (const t of declaredTopics(v)) byName.set(t.name, t);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...byName.values()].filter((t) => !existing.has(t.name));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        configEntries: [
          { name: 'cleanup.policy', value: t.cleanupPolicy },
          ...Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        ],
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

export interface Keyed<N extends RecordName> {
  key: string;
  value: RecordTypes[N] | null;
}

/** Produces Avro records (null value: a tombstone) keyed as given. */
export async function produce<N extends RecordName>(
  kafka: Kafka,
  serde: AvroSerde,
  topic: string,
  record: N,
  items: Keyed<N>[],
): Promise<void> {
  const messages: Message[] = [];
  for (const item of items) {
    messages.push({
      key: item.key,
      value: item.value === null ? null : await serde.encode(topic, record, item.value),
    });
  }
  await produceRaw(kafka, topic, messages);
}

/** Produces messages as they are (for undecodable payloads). */
export async function produceRaw(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let k = 0; k < messages.length; k += 500) {
      await producer.send({ topic, messages: messages.slice(k, k + 500), acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Sum of the end offsets of a topic's partitions. */
export async function endOffsetTotal(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once the group has committed every partition of `topics` up to its end. */
export async function waitForCommitted(
  kafka: Kafka,
  groupId: string,
  topics: string[],
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  const admin = kafka.admin();
  await admin.connect();
  let behind = '';
  try {
    while (Date.now() < deadline) {
      behind = '';
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        for (const end of ends) {
          const c = committed?.partitions.find((p) => p.partition === end.partition);
          const at = c && Number(c.offset) >= 0 ? Number(c.offset) : 0;
          if (at < Number(end.high)) behind += ` ${topic}/${end.partition}:${at}<${end.high}`;
        }
      }
      if (behind === '') return;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
  throw new Error(`${opts.what ?? 'the sink'} did not commit up to the log end in time:${behind}`);
}

export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Rows of a query, with 64-bit integers as numbers (test values are small). */
export async function selectRows<T = Record<string, unknown>>(
  client: ClickHouseClient,
  query: string,
): Promise<T[]> {
  const rs = await client.query({
    query,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return rs.json<T>();
}

/**
 * Makes a directory unwritable until the returned function is called: a real write failure for
 * whatever writes there (chDB creating a part). Root ignores permission bits, so as root the
 * directory is made immutable instead (chattr +i, ext4/xfs/btrfs).
 */
export async function makeUnwritable(dir: string): Promise<() => Promise<void>> {
  if (process.getuid?.() === 0) {
    await promisify(execFile)('chattr', ['+i', dir]);
    return async () => {
      await promisify(execFile)('chattr', ['-i', dir]);
    };
  }
  await chmod(dir, 0o555);
  return () => chmod(dir, 0o755);
}

/** Where chDB keeps a table's parts. */
export async function tableDataPath(client: ClickHouseClient, table: string): Promise<string> {
  const [row] = await selectRows<{ path: string }>(
    client,
    `SELECT data_paths[1] AS path FROM system.tables WHERE database = 'recostream' AND name = '${table}'`,
  );
  if (!row?.path) throw new Error(`no data path for recostream.${table}`);
  return row.path;
}

const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'like', 'rate'] as const;
const T0 = Date.UTC(2024, 0, 30, 12);

/** A deterministic interaction, 15 minutes apart from the next (400 of them span two months). */
export function interaction(k: number): Interaction {
  const type = EVENT_TYPES[k % EVENT_TYPES.length]!;
  return {
    event_id: `e-${k}`,
    user_id: `u${k % 37}`,
    item_id: `i${k % 53}`,
    event_type: type,
    rating: type === 'rate' ? 1 + (k % 5) : null,
    event_time: T0 + k * 900_000,
    session_id: k % 3 === 0 ? null : `s${Math.floor(k / 10)}`,
    device_type: k % 4 === 0 ? null : ['mobile', 'desktop', 'tablet'][k % 3]!,
    page_context: k % 5 === 0 ? null : 'search',
    price: type === 'purchase' ? 10 + (k % 7) * 1.25 : null,
    source: 'producer',
    ingest_time: T0 + k * 900_000 + 250,
  };
}

/** A feature record as the processors publish it: total_interactions identifies it. */
export function userFeatures(userId: string, version: string, total: number): UserFeatures {
  return {
    user_id: userId,
    version,
    as_of: T0 + total * 1000,
    updated_at: T0 + total * 1000 + 5,
    total_interactions: total,
    n_view: total,
    n_click: 0,
    n_add_to_cart: 0,
    n_purchase: 0,
    n_like: 0,
    n_rate: 0,
    unique_items: Math.min(total, 3),
    rating_count: 0,
    avg_rating: null,
    first_event_time: T0,
    last_event_time: T0 + total * 1000,
    active_days: 1,
    cnt_1h: total,
    cnt_24h: total,
    cnt_7d: total,
    cnt_30d: total,
    purchases_7d: 0,
    purchases_30d: 0,
    conversion_rate: 0,
    recent_items: [`i${total}`, 'i0'],
    favorite_category: total % 2 === 0 ? 'books' : null,
    monetary_value: 0,
    avg_price_point: null,
    diversity_score: 1 / total,
  };
}

export function itemFeatures(itemId: string, version: string, total: number): ItemFeatures {
  return {
    item_id: itemId,
    version,
    as_of: T0 + total * 1000,
    updated_at: T0 + total * 1000 + 5,
    total_interactions: total,
    n_view: total,
    n_click: 1,
    n_add_to_cart: 0,
    n_purchase: 0,
    n_like: 0,
    n_rate: 0,
    unique_users: total,
    rating_count: 0,
    avg_rating: null,
    first_event_time: T0,
    last_event_time: T0 + total * 1000,
    cnt_1h: total,
    cnt_24h: total,
    cnt_7d: total,
    cnt_30d: total,
    ctr: 1 / total,
    purchase_rate: 0,
    popularity_score: total * 0.5,
    trending_score: total % 2 === 0 ? 7 : null,
  };
}

export { itemFeaturesTopic, userFeaturesTopic };
