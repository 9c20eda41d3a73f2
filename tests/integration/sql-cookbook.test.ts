import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse, type ClickHouseHandle } from '../../lib/clickhouse.js';
import type { DeadLetter, Interaction, UserFeatures } from '../../schemas/types.js';
import { applyMigrations } from '../../sinks/clickhouse/migrations.js';
import {
  openReadOnlyClickHouse,
  runReadOnlyQuery,
  type QueryResult,
  type ReadOnlyClickHouse,
} from '../../sinks/clickhouse/query.js';
import { deadLetterRow, interactionRow, userFeaturesRow } from '../../sinks/clickhouse/rows.js';
import { TABLE } from '../../sinks/clickhouse/tables.js';
import { TableWriter } from '../../sinks/clickhouse/writer.js';
import { userFeatures } from '../support/clickhouse-sink.js';
import { tempDir, testLogger } from '../support/embedded.js';
import { SAMPLES } from '../unit/schemas/samples.js';

const SQL_MD = path.resolve(import.meta.dirname, '..', '..', 'docs', 'SQL.md');

/** The cookbook's queries by their `-- name:` line. */
function cookbook(): Map<string, string> {
  const queries = new Map<string, string>();
  for (const [, body] of readFileSync(SQL_MD, 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)) {
    const name = /^-- name: ([\w-]+)/m.exec(body!)?.[1];
    if (name) queries.set(name, body!.trim());
  }
  return queries;
}

/** A small deterministic PRNG, so the data set is varied but the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const START = Date.UTC(2024, 2, 1);
const STEPS = ['view', 'click', 'add_to_cart', 'purchase'] as const;

/** Sessions that walk the funnel some way (sometimes out of order), plus events without a session. */
function dataset(): Interaction[] {
  const rnd = prng(42);
  const events: Interaction[] = [];
  let id = 0;
  const push = (
    e: Omit<Interaction, 'event_id' | 'source' | 'ingest_time' | 'device_type' | 'page_context'>,
  ) =>
    events.push({
      ...e,
      event_id: `ev-${id++}`,
      source: 'producer',
      ingest_time: e.event_time + 100,
      device_type: null,
      page_context: null,
    });
  for (let s = 0; s < 120; s++) {
    const user = `u${Math.floor(rnd() * 12)}`;
    let t = START + Math.floor(rnd() * 10) * DAY + Math.floor(rnd() * 20) * 3_600_000;
    const depth = 1 + Math.floor(rnd() * 4);
    const order = rnd() < 0.15 ? [...STEPS.slice(0, depth)].reverse() : STEPS.slice(0, depth);
    for (const step of order) {
      const item = `i${Math.floor(rnd() * rnd() * 15)}`;
      push({
        user_id: user,
        item_id: item,
        event_type: step,
        rating: null,
        event_time: t,
        session_id: `s${s}`,
        price: step === 'purchase' ? 20 : null,
      });
      t += 1000 + Math.floor(rnd() * 60_000);
    }
    if (rnd() < 0.1) {
      // A purchase more than an hour later: outside the funnel's window.
      push({
        user_id: user,
        item_id: 'i1',
        event_type: 'purchase',
        rating: null,
        event_time: t + 2 * 3_600_000,
        session_id: `s${s}`,
        price: 5,
      });
    }
  }
  for (let k = 0; k < 40; k++) {
    push({
      user_id: `u${k % 7}`,
      item_id: `i${k % 5}`,
      event_type: 'like',
      rating: null,
      event_time: START + Math.floor(rnd() * 10 * DAY),
      session_id: null,
      price: null,
    });
  }
  return events;
}

function funnelLevel(session: Interaction[]): number {
  const sorted = [...session].sort((a, b) => a.event_time - b.event_time);
  let best = 0;
  sorted.forEach((first, k) => {
    if (first.event_type !== STEPS[0]) return;
    let level = 1;
    for (const e of sorted.slice(k + 1)) {
      if (e.event_time > first.event_time + 3_600_000) break;
      if (level < STEPS.length && e.event_type === STEPS[level]) level++;
    }
    best = Math.max(best, level);
  });
  return best;
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

describe('SQL cookbook (docs/SQL.md)', () => {
  let dir: string;
  let ch: ClickHouseHandle;
  let ro: ReadOnlyClickHouse;
  const queries = cookbook();
  const events = dataset();
  const v1 = new Map<string, UserFeatures>();

  async function run(name: string): Promise<QueryResult> {
    const sql = queries.get(name);
    if (!sql) throw new Error(`docs/SQL.md has no query named ${name}`);
    return runReadOnlyQuery(ro, sql);
  }

  beforeAll(async () => {
    dir = await tempDir('ch-cookbook');
    ch = await openClickHouse({ chdbDir: path.join(dir, 'clickhouse'), logger: testLogger });
    await applyMigrations(ch.client, { logger: testLogger });
    const writer = new TableWriter(ch.client);
    await writer.insert(
      TABLE.interactions,
      events.map((e, k) => interactionRow(e, { partition: 0, offset: String(k) })),
    );
    // Copies of every fifth event, as a sink restart would insert them: the queries must not count them.
    await writer.insert(
      TABLE.interactions,
      events
        .filter((_, k) => k % 5 === 0)
        .map((e, k) =>
          interactionRow(
            { ...e, ingest_time: e.ingest_time + 1 },
            { partition: 0, offset: String(10_000 + k) },
          ),
        ),
    );
    const features: UserFeatures[] = [];
    for (let u = 0; u < 6; u++) {
      for (let total = 1; total <= 3; total++) {
        const r = {
          ...userFeatures(`u${u}`, 'v1', total),
          monetary_value: ((u * 7) % 5) * 10 + total,
          n_purchase: total,
        };
        features.push(r);
        v1.set(r.user_id, r);
      }
      features.push({ ...userFeatures(`u${u}`, 'v2', 1), monetary_value: 1000 });
    }
    await writer.insert(
      TABLE.userFeatures,
      features.map((r, k) => userFeaturesRow(r, { partition: 0, offset: String(k) })),
    );
    const dls: DeadLetter[] = [
      SAMPLES.DeadLetter,
      { ...SAMPLES.DeadLetter, line: 13, failed_at: SAMPLES.DeadLetter.failed_at + 5 },
      {
        ...SAMPLES.DeadLetter,
        source: 'sink:clickhouse',
        reason: 'null_value: no record',
        file: null,
        line: null,
        topic: 'interactions',
        partition: 0,
        offset: 9,
      },
    ];
    await writer.insert(
      TABLE.deadLetters,
      dls.map((d, k) => deadLetterRow(d, { partition: 0, offset: String(k) })),
    );
    // The last dead letter reported twice.
    await writer.insert(TABLE.deadLetters, [deadLetterRow(dls[2]!, { partition: 0, offset: '3' })]);
    ro = await openReadOnlyClickHouse({
      chdbDir: path.join(dir, 'clickhouse'),
      logger: testLogger,
      owner: ch,
    });
  });

  afterAll(async () => {
    await ro?.close();
    await ch?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has the queries this test checks', () => {
    expect([...queries.keys()].sort()).toEqual(
      [
        'daily-active-users',
        'dead-letters-by-reason',
        'session-funnel',
        'top-items-7d',
        'top-users-by-value',
      ].sort(),
    );
  });

  it('daily-active-users', async () => {
    const byDay = new Map<string, { users: Set<string>; events: number }>();
    for (const e of events) {
      const d = byDay.get(utcDay(e.event_time)) ?? { users: new Set(), events: 0 };
      d.users.add(e.user_id);
      d.events++;
      byDay.set(utcDay(e.event_time), d);
    }
    const expected = [...byDay]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, d]) => [day, String(d.users.size), String(d.events)]);
    expect((await run('daily-active-users')).rows).toEqual(expected);
  });

  it('top-items-7d', async () => {
    const clock = Math.max(...events.map((e) => e.event_time));
    const byItem = new Map<string, { purchases: number; events: number }>();
    for (const e of events.filter((e) => e.event_time > clock - 7 * DAY)) {
      const s = byItem.get(e.item_id) ?? { purchases: 0, events: 0 };
      s.events++;
      if (e.event_type === 'purchase') s.purchases++;
      byItem.set(e.item_id, s);
    }
    const expected = [...byItem]
      .sort(([a, x], [b, y]) => y.purchases - x.purchases || y.events - x.events || a.localeCompare(b))
      .slice(0, 10)
      .map(([item, s]) => [item, String(s.purchases), String(s.events)]);
    expect((await run('top-items-7d')).rows).toEqual(expected);
  });

  it('session-funnel', async () => {
    const sessions = new Map<string, Interaction[]>();
    for (const e of events)
      if (e.session_id) sessions.set(e.session_id, [...(sessions.get(e.session_id) ?? []), e]);
    const levels = new Map<number, number>();
    for (const s of sessions.values()) levels.set(funnelLevel(s), (levels.get(funnelLevel(s)) ?? 0) + 1);
    const expected = [...levels].sort(([a], [b]) => a - b).map(([level, n]) => [level, String(n)]);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect((await run('session-funnel')).rows).toEqual(expected);
  });

  it('top-users-by-value', async () => {
    const expected = [...v1.values()]
      .sort((a, b) => b.monetary_value - a.monetary_value || a.user_id.localeCompare(b.user_id))
      .map((r) => [
        r.user_id,
        r.monetary_value,
        String(r.n_purchase),
        String(r.total_interactions),
        r.favorite_category,
      ]);
    expect((await run('top-users-by-value')).rows).toEqual(expected);
  });

  it('dead-letters-by-reason', async () => {
    const result = await run('dead-letters-by-reason');
    expect(result.rows).toEqual([
      ['replay:interactions.csv', SAMPLES.DeadLetter.reason, '2', '2023-11-14 22:13:20.005'],
      ['sink:clickhouse', 'null_value', '1', '2023-11-14 22:13:20.000'],
    ]);
  });
});
