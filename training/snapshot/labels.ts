import type { ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import { TOPIC } from '../../topology/topics.js';
import { EVENT_TYPES, type EventType, type InteractionRow } from '../dataset.js';
import type { EndOffsets } from './offsets.js';

/**
 * The labels of a run: interaction events from ClickHouse (the sink's `recostream.interactions`),
 * restricted to the snapshot in two ways that make a run repeatable:
 *
 * - `event_time <= clock`: nothing newer than the pipeline clock of the feature snapshot;
 * - `(kafka_partition, kafka_offset)` below the end offsets of `interactions` recorded with the
 *   snapshot: an event that arrives later with an old event time (a replay, a late producer) is
 *   not in this run, even though the query runs after it landed.
 *
 * Copies of one event (a replay with --force, a sink retry) collapse by `event_id`, and the rows
 * come in (event_time, event_id) order: the data set's id indices and every seeded model depend on
 * row order, so the same snapshot must give the same order.
 */

export type LabelStore = Pick<ReadOnlyClickHouse, 'withClient'>;

export interface LabelQuery {
  /** Epoch ms; null: no time bound (only the offsets). */
  clock: number | null;
  /** End offsets of the snapshot; only `interactions` is used. */
  ends: EndOffsets;
}

/** The SQL of a label query (exported for tests and docs). */
export function labelSql(query: LabelQuery): string {
  const ends = query.ends.get(TOPIC.interactions);
  const conditions: string[] = [];
  if (query.clock !== null) {
    if (!Number.isSafeInteger(query.clock))
      throw new RangeError(`clock ${query.clock} is not whole milliseconds`);
    conditions.push(`event_time <= fromUnixTimestamp64Milli(toInt64(${query.clock}), 'UTC')`);
  }
  const below: string[] = [];
  for (const [partition, end] of [...(ends ?? [])].sort((a, b) => a[0] - b[0])) {
    if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(end)) throw new RangeError('bad offsets');
    if (end > 0) below.push(`kafka_partition = ${partition}, kafka_offset < ${end}`);
  }
  // No recorded offsets (or all empty): nothing of the topic belongs to the snapshot.
  conditions.push(below.length === 0 ? '0' : `multiIf(${below.join(', ')}, 0)`);
  return [
    'SELECT user_id, item_id, event_type, rating, toUnixTimestamp64Milli(event_time) AS t',
    'FROM recostream.interactions',
    `WHERE ${conditions.join(' AND ')}`,
    'ORDER BY event_time, event_id',
    'LIMIT 1 BY event_id',
  ].join('\n');
}

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** Reads the labels of a snapshot, in snapshot order. */
export async function readLabels(store: LabelStore, query: LabelQuery): Promise<InteractionRow[]> {
  const sql = labelSql(query);
  return store.withClient(async (client) => {
    const rs = await client.query({
      query: sql,
      format: 'JSONCompactEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    const rows: InteractionRow[] = [];
    for await (const chunk of rs.stream()) {
      for (const row of chunk) {
        const [user, item, type, rating, t] = row.json<[string, string, string, number | null, number]>();
        if (!EVENT_TYPE_SET.has(type)) throw new Error(`interaction with unknown event_type ${type}`);
        rows.push({
          user_id: user,
          item_id: item,
          event_type: type as EventType,
          rating,
          event_time: t,
        });
      }
    }
    return rows;
  });
}

/** The newest event time of `rows` (null when empty): a snapshot's clock when it has no features. */
export function newestEventTime(rows: readonly InteractionRow[]): number | null {
  let newest: number | null = null;
  for (const r of rows) if (newest === null || r.event_time > newest) newest = r.event_time;
  return newest;
}
