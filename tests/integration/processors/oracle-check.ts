import type { Kafka } from 'kafkajs';
import type { AvroSerde } from '../../../schemas/serde.js';
import type { FeatureReader } from '../../../sinks/redis/reader.js';
import type { Interaction, ItemFeatures, UserFeatures } from '../../../schemas/types.js';
import { TOPIC, itemFeaturesTopic, userFeaturesTopic } from '../../../topology/topics.js';
import { readLatest, readTopic } from '../../harness/kafka-io.js';
import {
  computeFeatures,
  itemFeatures,
  userFeatures,
  type CatalogEntry,
} from '../../oracle/batch-features.js';
import { RELATIVE_TOLERANCE, featureDifferences } from '../../oracle/compare.js';

/** Comparisons of the pipeline's outputs with the batch oracle, shared by the processor suites. */

export interface OracleInputs {
  interactions: Interaction[];
  catalog: Map<string, CatalogEntry>;
}

/** The part of an item record the features join with. */
type CatalogItem = { item_id: string } & CatalogEntry;

/** The catalog the oracle joins interactions with: category and price by item id. */
export function catalogOf(items: Iterable<CatalogItem>): Map<string, CatalogEntry> {
  const catalog = new Map<string, CatalogEntry>();
  for (const i of items) catalog.set(i.item_id, { category: i.category, price: i.price });
  return catalog;
}

/** The oracle's inputs for events and items a test holds. */
export function oracleInputs(interactions: Interaction[], items: Iterable<CatalogItem>): OracleInputs {
  return { interactions, catalog: catalogOf(items) };
}

/**
 * The oracle's inputs as the log holds them: every interaction record (an event sent twice is
 * there twice; the oracle counts each event id once) and the latest record of every item.
 */
export async function oracleInputsFromLog(kafka: Kafka, serde: AvroSerde): Promise<OracleInputs> {
  const interactions = (await readTopic(kafka, serde, TOPIC.interactions, 'Interaction')).map((r) => r.value);
  const items = await readLatest(kafka, serde, TOPIC.items, 'Item');
  return oracleInputs(interactions, items.values());
}

function strip<T extends object>(record: T): Record<string, unknown> {
  const {
    version: _v,
    as_of: _a,
    updated_at: _u,
    user_id: _ui,
    item_id: _ii,
    ...values
  } = record as Record<string, unknown>;
  return values;
}

/** Differences between Redis (read through the feature reader, at its clock) and the oracle. */
export async function redisDifferences(
  reader: FeatureReader,
  input: OracleInputs,
  options: { version?: string } = {},
): Promise<{ diffs: string[]; clock: number; users: number; items: number }> {
  const { clock } = await reader.resolveVersion(options.version);
  if (clock === null) return { diffs: ['no clock in Redis'], clock: NaN, users: 0, items: 0 };
  const oracle = computeFeatures(input, clock);
  const diffs: string[] = [];
  if (oracle.clock !== clock) diffs.push(`clock: got ${clock}, oracle ${oracle.clock}`);
  const userIds = [...oracle.users.keys()];
  const users = await reader.readUserFeatures(userIds, options);
  userIds.forEach((id, i) => {
    const got = users[i];
    diffs.push(
      ...featureDifferences(`user ${id}`, got ? strip(got) : undefined, { ...oracle.users.get(id)! }),
    );
    if (got && got.as_of !== clock) diffs.push(`user ${id}: as_of ${got.as_of} is not the clock ${clock}`);
  });
  const itemIds = [...oracle.items.keys()];
  const items = await reader.readItemFeatures(itemIds, options);
  itemIds.forEach((id, i) => {
    const got = items[i];
    diffs.push(
      ...featureDifferences(`item ${id}`, got ? strip(got) : undefined, { ...oracle.items.get(id)! }),
    );
  });
  return { diffs, clock, users: userIds.length, items: itemIds.length };
}

function eventsBy(interactions: Interaction[], key: 'user_id' | 'item_id'): Map<string, Interaction[]> {
  const seen = new Set<string>();
  const out = new Map<string, Interaction[]>();
  for (const e of interactions) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    const list = out.get(e[key]);
    if (list) list.push(e);
    else out.set(e[key], [e]);
  }
  return out;
}

/**
 * Differences between the latest feature-topic record of every entity and the oracle evaluated at
 * that record's as_of (its windowed values are as of then), plus entities missing a record.
 */
export function topicDifferences(
  input: OracleInputs,
  users: Map<string, UserFeatures>,
  items: Map<string, ItemFeatures>,
  version: string,
): string[] {
  const diffs: string[] = [];
  for (const [id, events] of eventsBy(input.interactions, 'user_id')) {
    const record = users.get(id);
    if (!record) {
      diffs.push(`user ${id}: no feature record`);
      continue;
    }
    if (record.version !== version) diffs.push(`user ${id}: version ${record.version}`);
    diffs.push(
      ...featureDifferences(`user ${id}`, strip(record), {
        ...userFeatures(events, record.as_of, input.catalog),
      }),
    );
  }
  for (const [id, events] of eventsBy(input.interactions, 'item_id')) {
    const record = items.get(id);
    if (!record) {
      diffs.push(`item ${id}: no feature record`);
      continue;
    }
    if (record.version !== version) diffs.push(`item ${id}: version ${record.version}`);
    diffs.push(...featureDifferences(`item ${id}`, strip(record), { ...itemFeatures(events, record.as_of) }));
  }
  return diffs;
}

/** topicDifferences over the latest record of every entity in the feature topics of `version`. */
export async function featureTopicDifferences(
  kafka: Kafka,
  serde: AvroSerde,
  input: OracleInputs,
  version = 'v1',
): Promise<string[]> {
  const users = await readLatest(kafka, serde, userFeaturesTopic(version), 'UserFeatures');
  const items = await readLatest(kafka, serde, itemFeaturesTopic(version), 'ItemFeatures');
  return topicDifferences(input, users, items, version);
}

export interface Ranked {
  item_id: string;
  score: number;
}

function tied(a: number, b: number): boolean {
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

/** Items by popularity_score, best first, ties by id (how the API has always ranked them). */
export function rankByPopularity(items: Iterable<[string, { popularity_score: number }]>): Ranked[] {
  return [...items]
    .map(([item_id, f]) => ({ item_id, score: f.popularity_score }))
    .sort((a, b) => b.score - a.score || (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0));
}

/**
 * Differences between a ranking read from the store and the expected one over its length: at
 * every position the score within the oracle's tolerance, and the same ids — except that items
 * whose expected scores tie (within the tolerance) may come in any order among themselves.
 */
export function rankingDifferences(got: readonly Ranked[], want: readonly Ranked[]): string[] {
  const diffs: string[] = [];
  if (got.length !== want.length) diffs.push(`length: got ${got.length}, expected ${want.length}`);
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < want.length && tied(want[j]!.score, want[i]!.score)) j++;
    const end = Math.min(j, n);
    const gotIds = got.slice(i, end).map((r) => r.item_id);
    const wantIds = want.slice(i, j).map((r) => r.item_id);
    // A tie group cut by the end of the ranking: any of its members may fill the last places.
    const missing = gotIds.filter((id) => !wantIds.includes(id));
    if (missing.length > 0 || (end === j && gotIds.length !== wantIds.length)) {
      diffs.push(`positions ${i}..${end - 1}: got ${gotIds.join(',')}, expected ${wantIds.join(',')}`);
    }
    for (let k = i; k < end; k++) {
      if (!tied(got[k]!.score, want[k]!.score)) {
        diffs.push(`position ${k} (${got[k]!.item_id}): score ${got[k]!.score}, expected ${want[k]!.score}`);
      }
    }
    i = j;
  }
  return diffs;
}

/** Each user's purchased items over the distinct events. */
export function purchasedBy(interactions: readonly Interaction[]): Map<string, Set<string>> {
  const seen = new Set<string>();
  const out = new Map<string, Set<string>>();
  for (const e of interactions) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    if (e.event_type !== 'purchase') continue;
    let items = out.get(e.user_id);
    if (!items) out.set(e.user_id, (items = new Set()));
    items.add(e.item_id);
  }
  return out;
}
