import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter, Interaction, Item, UserFeatures } from '../../schemas/types.js';
import type { ClickHouseHandle } from '../../lib/clickhouse.js';
import { applyMigrations } from '../../sinks/clickhouse/migrations.js';
import { runReadOnlyQuery, type QueryResult, type ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import {
  deadLetterRow,
  interactionRow,
  itemRow,
  itemTombstoneRow,
  userFeaturesRow,
} from '../../sinks/clickhouse/rows.js';
import { TABLE } from '../../sinks/clickhouse/tables.js';
import { TableWriter } from '../../sinks/clickhouse/writer.js';
import { userFeatures } from '../harness/records.js';
import { startStack, type Stack } from '../harness/stack.js';
import { SAMPLES } from '../unit/schemas/samples.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SQL_MD = path.join(ROOT, 'docs', 'SQL.md');

/** The documents besides the cookbook that quote SQL for a reader to run. */
const QUOTING = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter(
  (f) => f.endsWith('.md') && f !== 'docs/SQL.md',
);

/**
 * SQL quoted outside the cookbook: `recostream sql "..."` lines, the `"query":"..."` of curl
 * examples, and inline `SELECT ...` / `ALTER ...` spans (elided ones, with `...`, left out).
 */
function quotedSql(): { file: string; sql: string }[] {
  const found: { file: string; sql: string }[] = [];
  for (const file of QUOTING) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    const patterns = [/recostream sql "([^"]+)"/g, /"query":\s*"([^"]+)"/g, /`((?:SELECT|ALTER) [^`]+)`/g];
    for (const pattern of patterns)
      for (const [, sql] of text.matchAll(pattern))
        if (!sql!.includes('...')) found.push({ file, sql: sql! });
  }
  return found;
}

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
  // Occasional users, one view every other day: they tell a 7-day window from a shorter one.
  for (let k = 0; k < 5; k++) {
    push({
      user_id: `o${k}`,
      item_id: `i${k}`,
      event_type: 'view',
      rating: null,
      event_time: START + 2 * k * DAY + 5 * 3_600_000,
      session_id: null,
      price: null,
    });
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

const CATEGORIES = ['books', 'games', 'home'] as const;

/** The catalog: i0–i13 with a category; i13 is then deleted (a tombstone); i14 is never listed. */
function catalog(): Item[] {
  return Array.from({ length: 14 }, (_, k) => ({
    ...SAMPLES.Item,
    item_id: `i${k}`,
    category: CATEGORIES[k % 3]!,
    price: 10 + k,
  }));
}

function categoryOf(itemId: string): string {
  const k = Number(itemId.slice(1));
  return k <= 12 ? CATEGORIES[k % 3]! : '(none)';
}

/**
 * What the user processor publishes for v1: per user and distinct event time, a record with the
 * counts so far and `as_of` that time.
 */
function featureHistory(events: Interaction[]): Map<string, UserFeatures[]> {
  const byUser = new Map<string, Interaction[]>();
  for (const e of events) byUser.set(e.user_id, [...(byUser.get(e.user_id) ?? []), e]);
  const history = new Map<string, UserFeatures[]>();
  for (const [user, list] of byUser) {
    const sorted = [...list].sort((a, b) => a.event_time - b.event_time);
    const records: UserFeatures[] = [];
    let total = 0;
    let views = 0;
    let purchases = 0;
    let value = 0;
    sorted.forEach((e, k) => {
      total++;
      if (e.event_type === 'view') views++;
      if (e.event_type === 'purchase') {
        purchases++;
        value += e.price ?? 0;
      }
      if (sorted[k + 1]?.event_time === e.event_time) return; // one record per batch of equal times
      records.push({
        ...userFeatures(user, 'v1', total),
        as_of: e.event_time,
        updated_at: e.event_time + 250,
        first_event_time: sorted[0]!.event_time,
        last_event_time: e.event_time,
        n_view: views,
        n_purchase: purchases,
        monetary_value: value,
      });
    });
    history.set(user, records);
  }
  return history;
}

/** ClickHouse's DateTime64(3) as JSON gives it. */
function chTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Integers come as numbers or (64-bit) strings; compare them as numbers. */
function normalised(result: QueryResult): unknown[][] {
  return result.rows.map((row) =>
    row.map((v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v)),
  );
}

function mondayOf(ms: number): number {
  const day = Math.floor(ms / DAY) * DAY;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
}

describe('SQL cookbook (docs/SQL.md)', () => {
  let stack: Stack;
  let ro: ReadOnlyClickHouse;
  let ch: ClickHouseHandle;
  const queries = cookbook();
  const events = dataset();
  const v1History = featureHistory(events);

  async function run(name: string): Promise<QueryResult> {
    const sql = queries.get(name);
    if (!sql) throw new Error(`docs/SQL.md has no query named ${name}`);
    return runReadOnlyQuery(ro, sql);
  }

  beforeAll(async () => {
    stack = await startStack({ clickhouse: true });
    ch = await stack.openClickHouse();
    await applyMigrations(ch.client, { logger: stack.logger });
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
    await writer.insert(
      TABLE.items,
      catalog().map((item, k) => itemRow(item, { partition: 0, offset: String(k) })),
    );
    await writer.insert(TABLE.items, [itemTombstoneRow('i13', { partition: 0, offset: '100' }, START)]);
    // v1: the history a processor publishes — one record per user and distinct event time, as_of
    // the event time, cumulative counts; v2: one record per user (another version to filter out).
    const features: UserFeatures[] = [...v1History.values()].flat();
    for (let u = 0; u < 6; u++) features.push({ ...userFeatures(`u${u}`, 'v2', 1), monetary_value: 1000 });
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
    ro = await stack.openReadOnlyClickHouse(ch);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('has the queries this test checks, each named', () => {
    const blocks = [...readFileSync(SQL_MD, 'utf8').matchAll(/```sql\n/g)].length;
    expect(queries.size).toBe(blocks);
    expect([...queries.keys()].sort()).toEqual(
      [
        'bought-together',
        'cohort-retention',
        'daily-active-users',
        'dau-wau',
        'dead-letters-by-reason',
        'feature-freshness',
        'funnel-by-category',
        'session-funnel',
        'session-lengths',
        'top-items-7d',
        'top-users-by-value',
        'training-set-asof',
        'trending-items',
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
    const latest = [...v1History.values()].map((history) => history.at(-1)!);
    const expected = latest
      .sort((a, b) => b.monetary_value - a.monetary_value || a.user_id.localeCompare(b.user_id))
      .slice(0, 10)
      .map((r) => [
        r.user_id,
        r.monetary_value,
        String(r.n_purchase),
        String(r.total_interactions),
        r.favorite_category,
      ]);
    expect(new Set(expected.map((r) => r[1])).size).toBeGreaterThan(3);
    expect((await run('top-users-by-value')).rows).toEqual(expected);
  });

  it('dead-letters-by-reason', async () => {
    const result = await run('dead-letters-by-reason');
    expect(result.rows).toEqual([
      ['replay:interactions.csv', SAMPLES.DeadLetter.reason, '2', '2023-11-14 22:13:20.005'],
      ['sink:clickhouse', 'null_value', '1', '2023-11-14 22:13:20.000'],
    ]);
  });
  it('dau-wau', async () => {
    const usersOn = new Map<number, Set<string>>();
    for (const e of events) {
      const day = Math.floor(e.event_time / DAY) * DAY;
      usersOn.set(day, (usersOn.get(day) ?? new Set()).add(e.user_id));
    }
    const days = [...usersOn.keys()].sort((a, b) => a - b);
    const expected = days.map((day) => {
      const week = new Set<string>();
      for (let back = 0; back < 7; back++) for (const u of usersOn.get(day - back * DAY) ?? []) week.add(u);
      const dau = usersOn.get(day)!.size;
      return [utcDay(day), dau, week.size, expect.closeTo(dau / week.size, 3)];
    });
    expect(expected.some((row) => row[2] !== row[1])).toBe(true);
    expect(normalised(await run('dau-wau'))).toEqual(expected);
  });

  it('funnel-by-category', async () => {
    const pairs = new Map<string, { category: string; view: boolean; cart: boolean; purchase: boolean }>();
    for (const e of events) {
      const key = `${e.user_id}|${e.item_id}`;
      const p = pairs.get(key) ?? {
        category: categoryOf(e.item_id),
        view: false,
        cart: false,
        purchase: false,
      };
      if (e.event_type === 'view') p.view = true;
      if (e.event_type === 'add_to_cart') p.cart = true;
      if (e.event_type === 'purchase') p.purchase = true;
      pairs.set(key, p);
    }
    const byCategory = new Map<string, [number, number, number]>();
    for (const p of pairs.values()) {
      const c = byCategory.get(p.category) ?? [0, 0, 0];
      if (p.view) c[0]++;
      if (p.view && p.cart) c[1]++;
      if (p.view && p.cart && p.purchase) c[2]++;
      byCategory.set(p.category, c);
    }
    const expected = [...byCategory]
      .filter(([, c]) => c[0] > 0)
      .sort(([a, x], [b, y]) => y[0] - x[0] || (a < b ? -1 : 1))
      .map(([category, [v, c, p]]) => [
        category,
        v,
        c,
        p,
        expect.closeTo(c / v, 3),
        expect.closeTo(c === 0 ? 0 : p / c, 3),
      ]);
    // Every category of the catalog, and the deleted and unlisted items under (none).
    expect(expected.map((row) => row[0]).sort()).toEqual(['(none)', 'books', 'games', 'home']);
    expect(normalised(await run('funnel-by-category'))).toEqual(expected);
  });

  it('trending-items', async () => {
    const clock = Math.max(...events.map((e) => e.event_time));
    const byItem = new Map<string, [number, number]>();
    for (const e of events.filter((e) => e.event_time > clock - 7 * DAY)) {
      const c = byItem.get(e.item_id) ?? [0, 0];
      if (e.event_time > clock - DAY) c[0]++;
      c[1]++;
      byItem.set(e.item_id, c);
    }
    const expected = [...byItem]
      .filter(([, c]) => c[0] > 0)
      .sort(([a, x], [b, y]) => y[0] / y[1] - x[0] / x[1] || y[0] - x[0] || (a < b ? -1 : 1))
      .slice(0, 10)
      .map(([item, [day, week]]) => [item, day, week, expect.closeTo(day / (week / 7), 2)]);
    expect(expected.length).toBeGreaterThan(1);
    expect(normalised(await run('trending-items'))).toEqual(expected);
  });

  it('cohort-retention', async () => {
    const first = new Map<string, number>();
    for (const e of events) first.set(e.user_id, Math.min(first.get(e.user_id) ?? Infinity, e.event_time));
    const cohortOf = (user: string) => mondayOf(first.get(user)!);
    const size = new Map<number, number>();
    for (const user of first.keys()) size.set(cohortOf(user), (size.get(cohortOf(user)) ?? 0) + 1);
    const active = new Map<string, Set<string>>();
    for (const e of events) {
      const key = `${cohortOf(e.user_id)}|${(mondayOf(e.event_time) - cohortOf(e.user_id)) / (7 * DAY)}`;
      active.set(key, (active.get(key) ?? new Set()).add(e.user_id));
    }
    const expected = [...active]
      .map(([key, users]) => {
        const [cohort, weeks] = key.split('|').map(Number) as [number, number];
        return { cohort, weeks, users: users.size };
      })
      .sort((a, b) => a.cohort - b.cohort || a.weeks - b.weeks)
      .map((r) => [
        utcDay(r.cohort),
        r.weeks,
        r.users,
        size.get(r.cohort)!,
        expect.closeTo(r.users / size.get(r.cohort)!, 3),
      ]);
    expect(expected.some((row) => (row[1] as number) > 0)).toBe(true);
    expect(normalised(await run('cohort-retention'))).toEqual(expected);
  });

  it('session-lengths', async () => {
    const sessions = new Map<string, number[]>();
    for (const e of events)
      if (e.session_id) sessions.set(e.session_id, [...(sessions.get(e.session_id) ?? []), e.event_time]);
    const buckets = new Map<string, number[]>();
    for (const times of sessions.values()) {
      const seconds = Math.floor(Math.max(...times) / 1000) - Math.floor(Math.min(...times) / 1000);
      const label =
        seconds < 60
          ? '1: under 1 min'
          : seconds < 300
            ? '2: 1-5 min'
            : seconds < 1800
              ? '3: 5-30 min'
              : '4: 30 min or more';
      buckets.set(label, [...(buckets.get(label) ?? []), times.length]);
    }
    const expected = [...buckets]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([label, counts]) => [
        label,
        counts.length,
        expect.closeTo(counts.reduce((s, n) => s + n, 0) / counts.length, 1),
      ]);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(normalised(await run('session-lengths'))).toEqual(expected);
  });

  it('feature-freshness', async () => {
    const newest = Math.max(...events.map((e) => e.event_time));
    const latestV1 = [...v1History.values()].map((h) => h.at(-1)!);
    const v1Clock = Math.max(...latestV1.map((r) => r.as_of));
    const v2 = userFeatures('u0', 'v2', 1);
    expect(normalised(await run('feature-freshness'))).toEqual([
      [
        'v1',
        latestV1.length,
        chTime(v1Clock),
        chTime(newest),
        Math.floor(newest / 1000) - Math.floor(v1Clock / 1000),
        chTime(Math.max(...latestV1.map((r) => r.updated_at))),
      ],
      [
        'v2',
        6,
        chTime(v2.as_of),
        chTime(newest),
        Math.floor(newest / 1000) - Math.floor(v2.as_of / 1000),
        chTime(v2.updated_at),
      ],
    ]);
  });

  it('training-set-asof', async () => {
    const expected: unknown[][] = [];
    const ordered = [...events].sort(
      (a, b) => a.event_time - b.event_time || (a.event_id < b.event_id ? -1 : 1),
    );
    for (const e of ordered) {
      const before = (v1History.get(e.user_id) ?? []).filter((r) => r.as_of < e.event_time).at(-1);
      if (!before) continue;
      expected.push([
        e.event_id,
        e.user_id,
        e.item_id,
        chTime(e.event_time),
        e.event_type === 'purchase' ? 1 : 0,
        chTime(before.as_of),
        before.total_interactions,
        before.n_purchase,
        before.monetary_value,
      ]);
    }
    // Never the record that already counted the event: leakage would make these equal.
    const first = expected.find((row) => row[0] === ordered.at(-1)!.event_id);
    expect(first).toBeDefined();
    expect(expected.length).toBeGreaterThan(events.length / 2);
    expect(expected.length).toBeLessThan(events.length);
    expect(normalised(await run('training-set-asof'))).toEqual(expected);
  });

  it('bought-together', async () => {
    const bought = new Map<string, Set<string>>();
    for (const e of events)
      if (e.event_type === 'purchase' && e.session_id)
        bought.set(e.session_id, (bought.get(e.session_id) ?? new Set()).add(e.item_id));
    const pairs = new Map<string, number>();
    for (const items of bought.values()) {
      const sorted = [...items].sort();
      for (let a = 0; a < sorted.length; a++)
        for (let b = a + 1; b < sorted.length; b++) {
          const key = `${sorted[a]}|${sorted[b]}`;
          pairs.set(key, (pairs.get(key) ?? 0) + 1);
        }
    }
    const expected = [...pairs]
      .map(([key, n]) => [...key.split('|'), n] as [string, string, number])
      .sort((x, y) => y[2] - x[2] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : 1))
      .slice(0, 20);
    expect(expected.length).toBeGreaterThan(0);
    expect(normalised(await run('bought-together'))).toEqual(expected);
  });

  it('runs the SQL that README.md and the other docs quote', async () => {
    const quoted = quotedSql();
    expect(quoted.length).toBeGreaterThan(3);
    for (const { file, sql } of quoted.filter((q) => q.sql.startsWith('SELECT'))) {
      await expect(runReadOnlyQuery(ro, sql), `${file}: ${sql}`).resolves.toBeDefined();
    }
    // Statements that change data run last, on the writable client (`recostream sql` refuses them).
    for (const { file, sql } of quoted.filter((q) => q.sql.startsWith('ALTER'))) {
      await expect(ch.client.command({ query: sql }), `${file}: ${sql}`).resolves.toBeDefined();
    }
  });

  it("documents every table's columns with their types", async () => {
    const rs = await ch.client.query({
      query: `SELECT table, name, type, default_kind FROM system.columns WHERE database = 'recostream'`,
      format: 'JSONEachRow',
    });
    const actual = new Map<string, Map<string, string>>();
    for (const c of await rs.json<{ table: string; name: string; type: string; default_kind: string }>()) {
      if (!actual.has(c.table)) actual.set(c.table, new Map());
      actual.get(c.table)!.set(c.name, c.default_kind === 'ALIAS' ? 'ALIAS' : c.type);
    }
    const md = readFileSync(SQL_MD, 'utf8');
    // Every table says these in prose ("Every table also has ...").
    const common = ['kafka_partition', 'kafka_offset', 'inserted_at'];
    const documented = new Set<string>();
    for (const m of md.matchAll(/^\| (\w+ )?column \| type \|[^\n]*\n\|[-|]+\|\n((?:\|[^\n]*\n)+)/gm)) {
      const headingAt = md.lastIndexOf('\n### ', m.index);
      const table = m[1]?.trim() ?? md.slice(headingAt + 5, md.indexOf('\n', headingAt + 5)).trim();
      documented.add(table);
      const columns = actual.get(table);
      expect(columns, `table ${table}`).toBeDefined();
      const seen = new Set(common);
      for (const row of m[2]!.trim().split('\n')) {
        const [names, types] = row
          .split('|')
          .slice(1, 3)
          .map((cell) => cell.trim()) as [string, string];
        const list = names.split(',').map((n) => n.trim());
        // "a, b | T" gives both T; "a, b | T, U" gives one type each.
        const typeList = types.split(/,\s(?![^(]*\))/);
        list.forEach((name, i) => {
          seen.add(name);
          const type = typeList.length === list.length ? typeList[i]! : types;
          expect(columns!.get(name), `${table}.${name}`).toBe(type.trim());
        });
      }
      for (const name of common) expect(columns!.has(name), `${table}.${name}`).toBe(true);
      expect(
        [...columns!.keys()].filter((c) => !seen.has(c)),
        `undocumented columns of ${table}`,
      ).toEqual([]);
    }
    expect([...documented].sort()).toEqual([
      'dead_letters',
      'interactions',
      'item_features',
      'items',
      'training_runs',
      'user_features',
      'users',
    ]);
  });
});
