import type { DeadLetters, FeatureRecord, RankedItem, Summary, Topology } from './api-types.js';
import { bar, el, note, table } from './dom.js';
import { formatDuration, formatFeature, formatNumber, formatTime } from './format.js';
import type { TrainingPoint } from './training-series.js';

/** Each panel's content from the JSON it polls. */

export function clockPanel(s: Summary): Node[] {
  const behind = s.pipeline_clock === null ? null : (s.now - s.pipeline_clock) / 1000;
  const rows: [string, string][] = [
    ['active version', s.active_version ?? 'none yet'],
    ['pipeline clock', formatTime(s.pipeline_clock)],
    ['clock behind wall time', formatDuration(behind)],
    ...s.freshness.map((f): [string, string] => [
      `freshness ${f.processor} (${f.version})`,
      formatDuration(f.seconds),
    ]),
    ['events/s in', formatNumber(s.rates?.in ?? null, 1)],
    ...Object.entries(s.rates?.processed ?? {}).map(([name, rate]): [string, string] => [
      `events/s processed (${name})`,
      formatNumber(rate, 1),
    ]),
  ];
  const components = s.components.map((c) =>
    el('span', { class: c.healthy ? 'pill ok' : 'pill bad', title: c.reason ?? '' }, c.name),
  );
  return [
    el('dl', { class: 'facts' }, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    components.length
      ? el('div', { class: 'pills' }, ...components)
      : note('no pipeline component runs in this process'),
    el(
      'p',
      { class: 'hint' },
      'Freshness: wall time minus the event time of the last applied event, as of the last batch.',
    ),
  ];
}

export function lagPanel(s: Summary): Node[] {
  if (s.lag.length === 0 && s.sink_lag.length === 0)
    return [note('no processor reports lag in this process (run the processors here, e.g. recostream up)')];
  const max = Math.max(1, ...s.lag.map((l) => l.lag), ...s.sink_lag.map((l) => l.lag));
  const rows = [
    ...s.lag.map((l) => [
      `${l.processor} (${l.version})`,
      l.topic,
      l.partition,
      bar(l.lag, max, formatNumber(l.lag)),
    ]),
    ...s.sink_lag.map((l) => ['clickhouse-sink', l.topic, l.partition, bar(l.lag, max, formatNumber(l.lag))]),
  ];
  return [table(['processor', 'topic', 'partition', 'lag'], rows, [2, 3])];
}

export function deadLetterPanel(d: DeadLetters): Node[] {
  const source =
    d.from === 'clickhouse' ? 'all dead letters, from ClickHouse' : 'counters of the parts in this process';
  if (d.total === 0) return [note(`no dead letters (${source})`)];
  const max = Math.max(1, ...d.reasons.map((r) => r.count));
  return [
    el('p', { class: 'hint' }, `${formatNumber(d.total)} in all (${source})`),
    table(
      ['origin', 'reason', 'count'],
      d.reasons.map((r) => [
        r.origin,
        el('span', { title: r.example }, r.reason),
        bar(r.count, max, formatNumber(r.count)),
      ]),
      [2],
    ),
  ];
}

export function itemsPanel(items: readonly RankedItem[], by: 'popularity' | 'trending'): Node[] {
  if (items.length === 0)
    return [note(by === 'trending' ? 'no item has a trending score yet' : 'no item features yet')];
  return [
    table(
      ['item', by === 'trending' ? 'trending_score' : 'popularity_score', 'cnt_24h', 'cnt_7d', 'total'],
      items.map((i) => [
        i.item_id,
        formatNumber(by === 'trending' ? i.trending_score : i.popularity_score, 3),
        formatNumber(i.cnt_24h),
        formatNumber(i.cnt_7d),
        formatNumber(i.total_interactions),
      ]),
      [1, 2, 3, 4],
    ),
  ];
}

export function featurePanel(record: FeatureRecord): Node[] {
  const id = record.user_id ?? record.item_id ?? '';
  const rows = [
    ['id', id],
    ['version', record.version],
    ['as_of', formatTime(record.as_of)],
    ['updated_at', formatTime(record.updated_at)],
    ...Object.entries(record.features).map(([name, value]) => [name, formatFeature(name, value)]),
  ];
  return [table(['feature', 'value'], rows)];
}

export function trainingTable(points: readonly TrainingPoint[]): Node[] {
  if (points.length === 0) return [note('no finished training run yet')];
  const newest = [...points].reverse().slice(0, 10);
  return [
    table(
      ['run', 'finished', 'served model', 'NDCG@10', 'RMSE', 'promoted'],
      newest.map((p) => [
        p.run_id,
        formatTime(p.at),
        p.model ?? '–',
        formatNumber(p.ndcg10, 4),
        p.rmse === null
          ? '–'
          : `${formatNumber(p.rmse, 4)}${p.rmseModel && p.rmseModel !== p.model ? ` (${p.rmseModel})` : ''}`,
        p.promoted ? '★' : '',
      ]),
      [3, 4],
    ),
  ];
}

export function topologyPanel(t: Topology): Node[] {
  const topics = table(
    ['topic', 'partitions', 'cleanup', 'end offsets by partition', 'end offset', 'records kept'],
    t.topics.map((topic) => [
      topic.exists ? topic.name : `${topic.name} (not created)`,
      formatNumber(topic.partitions),
      topic.cleanup_policy ?? '–',
      topic.end_offsets.map((o) => formatNumber(o)).join(' · '),
      formatNumber(topic.end_offset),
      formatNumber(topic.records),
    ]),
    [1, 4, 5],
  );
  const groups =
    t.groups.length === 0
      ? note('no consumer group has committed offsets')
      : table(
          ['consumer group', 'topic', 'lag'],
          t.groups.map((g) => [g.group_id, g.topic, formatNumber(g.lag)]),
          [2],
        );
  return [topics, groups];
}
