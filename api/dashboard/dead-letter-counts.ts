import type { Registry } from 'prom-client';
import { runReadOnlyQuery, type ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import { metricValues } from './metric-values.js';

/**
 * Dead letters grouped by where they were rejected and why. ClickHouse's `dead_letters` table
 * holds every one (API, replay, processors, sink) and is the source when this process can query
 * it; otherwise the counters of the parts running in this process (processors and sink only).
 */
export interface DeadLetterCounts {
  from: 'clickhouse' | 'metrics';
  total: number;
  reasons: { origin: string; reason: string; example: string; count: number }[];
}

/** Groups shown; the total counts every dead letter. */
export const MAX_REASON_GROUPS = 30;

/**
 * Reasons are sentences that quote the offending value ("event_type \"teleport\" is not ...");
 * quoted values and numbers are masked so the same problem is one group whatever the value.
 */
const REASON_PATTERN = `replaceRegexpAll(reason, '"[^"]*"|[0-9]+', '…')`;

export async function clickhouseDeadLetters(ch: ReadOnlyClickHouse): Promise<DeadLetterCounts> {
  const options = { maxRows: MAX_REASON_GROUPS, timeoutMs: 10_000 };
  const [groups, total] = await Promise.all([
    runReadOnlyQuery(
      ch,
      `SELECT splitByChar(':', source)[1] AS origin, ${REASON_PATTERN} AS pattern, any(reason) AS example, count() AS n
       FROM dead_letters FINAL GROUP BY origin, pattern ORDER BY n DESC, origin, pattern LIMIT ${MAX_REASON_GROUPS}`,
      options,
    ),
    runReadOnlyQuery(ch, 'SELECT count() FROM dead_letters FINAL', options),
  ]);
  return {
    from: 'clickhouse',
    // ClickHouse's JSON sends 64-bit integers as strings.
    total: Number(total.rows[0]?.[0] ?? 0),
    reasons: groups.rows.map((row) => ({
      origin: String(row[0]),
      reason: String(row[1]),
      example: String(row[2]),
      count: Number(row[3]),
    })),
  };
}

export async function metricDeadLetters(registry: Registry): Promise<DeadLetterCounts> {
  const [processors, sink] = await Promise.all([
    metricValues(registry, 'recostream_dead_letters_total'),
    metricValues(registry, 'recostream_clickhouse_sink_dead_letters_total'),
  ]);
  const counts = new Map<string, { origin: string; reason: string; example: string; count: number }>();
  const add = (origin: string, reason: string, count: number) => {
    const key = `${origin}\u0000${reason}`;
    const entry = counts.get(key) ?? { origin, reason, example: reason, count: 0 };
    entry.count += count;
    counts.set(key, entry);
  };
  for (const v of processors) add(`processor:${v.labels.processor ?? ''}`, v.labels.reason ?? '', v.value);
  for (const v of sink) add('sink:clickhouse', v.labels.reason ?? '', v.value);
  const reasons = [...counts.values()]
    .filter((r) => r.count > 0)
    .sort(
      (a, b) => b.count - a.count || a.origin.localeCompare(b.origin) || a.reason.localeCompare(b.reason),
    );
  return {
    from: 'metrics',
    total: reasons.reduce((sum, r) => sum + r.count, 0),
    reasons: reasons.slice(0, MAX_REASON_GROUPS),
  };
}
