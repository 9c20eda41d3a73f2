/**
 * The in-memory training data model: interactions as parallel typed arrays (one slot per event)
 * plus the maps between string ids and dense integer indices that every model works in.
 *
 * Columnar typed arrays keep a million events in ~25 MB with no per-event objects, and let the
 * fitting loops index them directly.
 */

export const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'like', 'rate'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Event type -> the code stored in `Interactions.eventType`. */
export const EVENT_TYPE_CODE: Readonly<Record<EventType, number>> = Object.freeze({
  view: 0,
  click: 1,
  add_to_cart: 2,
  purchase: 3,
  like: 4,
  rate: 5,
});

/** One interaction as it comes out of ClickHouse or a file: the fields training needs. */
export interface InteractionRow {
  user_id: string;
  item_id: string;
  event_type: EventType;
  /** 1.0–5.0, or null when the event carries no rating. */
  rating: number | null;
  /** Epoch milliseconds, UTC. */
  event_time: number;
}

/**
 * A feature record as published on `user-features.<v>` / `item-features.<v>` (the latest value
 * per key). Numeric fields are read by name; `favorite_category` (user) and `category` (item)
 * are the categorical fields training uses; anything else is ignored. Typed as `object` so that
 * the schemas' generated interfaces (which have no index signature) are accepted as they are;
 * fields are read with `featureField`.
 */
export type FeatureRecord = object;

/** The value of field `name` of a feature record (undefined when absent). */
export function featureField(record: FeatureRecord, name: string): unknown {
  return (record as Readonly<Record<string, unknown>>)[name];
}
export type FeatureRecords = ReadonlyMap<string, FeatureRecord> | Readonly<Record<string, FeatureRecord>>;

/** String id <-> dense index (0..size-1, in order of first appearance). */
export class IdIndex {
  private readonly byId = new Map<string, number>();
  private readonly list: string[] = [];

  static from(ids: Iterable<string>): IdIndex {
    const index = new IdIndex();
    for (const id of ids) index.add(id);
    return index;
  }

  /** The index of `id`, adding it when new. */
  add(id: string): number {
    let index = this.byId.get(id);
    if (index === undefined) {
      index = this.list.length;
      this.byId.set(id, index);
      this.list.push(id);
    }
    return index;
  }

  /** The index of `id`, or -1 when unknown. */
  indexOf(id: string): number {
    return this.byId.get(id) ?? -1;
  }

  idAt(index: number): string {
    const id = this.list[index];
    if (id === undefined) throw new RangeError(`no id at index ${index} (size ${this.list.length})`);
    return id;
  }

  get size(): number {
    return this.list.length;
  }

  get ids(): readonly string[] {
    return this.list;
  }
}

/** Events as parallel columns; slot k of every array describes event k. */
export interface Interactions {
  readonly length: number;
  readonly user: Int32Array;
  readonly item: Int32Array;
  /** `EVENT_TYPE_CODE` of the event. */
  readonly eventType: Uint8Array;
  /** The explicit rating, NaN when the event has none. */
  readonly rating: Float32Array;
  /** Event time, epoch ms (Float64: ms timestamps exceed Float32's 24-bit mantissa). */
  readonly time: Float64Array;
}

/**
 * Everything a model is fitted on. Splits share the id indices of the full data set, so an index
 * means the same user or item in the train, validation and test parts and in every model.
 */
export interface Dataset {
  readonly users: IdIndex;
  readonly items: IdIndex;
  readonly interactions: Interactions;
  /** Category index per item (into `categories`), -1 when the item has none. */
  readonly itemCategory: Int32Array;
  readonly categories: IdIndex;
  /** Latest feature records from the feature store, when given (keyed by id). */
  readonly userFeatures: ReadonlyMap<string, FeatureRecord> | undefined;
  readonly itemFeatures: ReadonlyMap<string, FeatureRecord> | undefined;
}

export interface BuildDatasetOptions {
  userFeatures?: FeatureRecords;
  itemFeatures?: FeatureRecords;
}

export function toFeatureMap(
  records: FeatureRecords | undefined,
): ReadonlyMap<string, FeatureRecord> | undefined {
  if (records === undefined) return undefined;
  if (records instanceof Map) return records as ReadonlyMap<string, FeatureRecord>;
  return new Map(Object.entries(records as Readonly<Record<string, FeatureRecord>>));
}

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * Builds the columnar data set. Rows are validated (upstream validation already rejected bad
 * input; a bad row here is a programming error and throws with the row number). Items known only
 * from the item feature records (never interacted with) are indexed too, after the interacted
 * ones: they are part of the catalogue that ranking metrics and coverage are computed over.
 */
export function buildDataset(rows: Iterable<InteractionRow>, options: BuildDatasetOptions = {}): Dataset {
  const users = new IdIndex();
  const items = new IdIndex();
  let capacity = Array.isArray(rows) ? Math.max(rows.length, 16) : 1024;
  let user = new Int32Array(capacity);
  let item = new Int32Array(capacity);
  let eventType = new Uint8Array(capacity);
  let rating = new Float32Array(capacity);
  let time = new Float64Array(capacity);
  let n = 0;
  for (const row of rows) {
    if (n === capacity) {
      capacity *= 2;
      user = grow(user, capacity);
      item = grow(item, capacity);
      eventType = grow(eventType, capacity);
      rating = grow(rating, capacity);
      time = grow(time, capacity);
    }
    if (!EVENT_TYPE_SET.has(row.event_type)) {
      throw new TypeError(`row ${n}: unknown event_type ${JSON.stringify(row.event_type)}`);
    }
    if (!Number.isFinite(row.event_time)) throw new TypeError(`row ${n}: event_time is not a finite number`);
    if (row.rating !== null && !(row.rating >= 1 && row.rating <= 5)) {
      throw new TypeError(`row ${n}: rating ${row.rating} is outside 1–5`);
    }
    user[n] = users.add(String(row.user_id));
    item[n] = items.add(String(row.item_id));
    eventType[n] = EVENT_TYPE_CODE[row.event_type];
    rating[n] = row.rating === null ? Number.NaN : row.rating;
    time[n] = row.event_time;
    n++;
  }
  const userFeatures = toFeatureMap(options.userFeatures);
  const itemFeatures = toFeatureMap(options.itemFeatures);
  if (itemFeatures) for (const id of itemFeatures.keys()) items.add(id);

  const categories = new IdIndex();
  const itemCategory = new Int32Array(items.size).fill(-1);
  if (itemFeatures) {
    for (const [id, record] of itemFeatures) {
      const category = featureField(record, 'category');
      if (typeof category === 'string' && category.length > 0) {
        itemCategory[items.indexOf(id)] = categories.add(category);
      }
    }
  }
  return {
    users,
    items,
    interactions: {
      length: n,
      user: user.slice(0, n),
      item: item.slice(0, n),
      eventType: eventType.slice(0, n),
      rating: rating.slice(0, n),
      time: time.slice(0, n),
    },
    itemCategory,
    categories,
    userFeatures,
    itemFeatures,
  };
}

function grow<T extends Int32Array | Uint8Array | Float32Array | Float64Array>(
  array: T,
  capacity: number,
): T {
  const bigger = new (array.constructor as new (length: number) => T)(capacity);
  bigger.set(array);
  return bigger;
}

/** The events at `indices` (in that order) as new columns. */
export function selectInteractions(interactions: Interactions, indices: Int32Array): Interactions {
  const n = indices.length;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const eventType = new Uint8Array(n);
  const rating = new Float32Array(n);
  const time = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const e = indices[k];
    user[k] = interactions.user[e];
    item[k] = interactions.item[e];
    eventType[k] = interactions.eventType[e];
    rating[k] = interactions.rating[e];
    time[k] = interactions.time[e];
  }
  return { length: n, user, item, eventType, rating, time };
}

/** The same data set restricted to the events at `indices` (same id indices, same features). */
export function subsetDataset(dataset: Dataset, indices: Int32Array): Dataset {
  return { ...dataset, interactions: selectInteractions(dataset.interactions, indices) };
}

/** Event indices ordered by event time; ties keep their original order (a stable sort). */
export function orderByTime(interactions: Interactions): Int32Array {
  const order = new Int32Array(interactions.length);
  for (let k = 0; k < order.length; k++) order[k] = k;
  const time = interactions.time;
  order.sort((a, b) => time[a] - time[b] || a - b);
  return order;
}

/** The largest event time, i.e. the clock of a data set as of its newest event (-Infinity when empty). */
export function latestEventTime(interactions: Interactions): number {
  let latest = Number.NEGATIVE_INFINITY;
  const time = interactions.time;
  for (let k = 0; k < time.length; k++) if (time[k] > latest) latest = time[k];
  return latest;
}

/** Number of events per user (or per item with `by = 'item'`). */
export function countBy(interactions: Interactions, size: number, by: 'user' | 'item'): Int32Array {
  const counts = new Int32Array(size);
  const column = by === 'user' ? interactions.user : interactions.item;
  for (let k = 0; k < column.length; k++) counts[column[k]]++;
  return counts;
}
