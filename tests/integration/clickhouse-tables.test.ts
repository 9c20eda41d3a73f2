import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseHandle } from '../../lib/clickhouse.js';
import { silentLogger } from '../../lib/logger.js';
import {
  appliedMigrations,
  applyMigrations,
  loadMigrations,
  MigrationChecksumError,
} from '../../sinks/clickhouse/migrations.js';
import {
  deadLetterRow,
  interactionRow,
  itemFeaturesRow,
  itemRow,
  itemTombstoneRow,
  trainingRunRow,
  userFeaturesRow,
  userRow,
  userTombstoneRow,
} from '../../sinks/clickhouse/rows.js';
import { TABLE } from '../../sinks/clickhouse/tables.js';
import { TableWriter } from '../../sinks/clickhouse/writer.js';
import { startStack, type Stack } from '../harness/stack.js';
import { SAMPLES } from '../unit/schemas/samples.js';

/**
 * The DDL and the row mapping against a real ClickHouse (chDB, or the server in containers mode):
 * what the sink writes is read back column by column, the dedup keys collapse copies, the views
 * answer latest-per-key.
 */
describe('ClickHouse tables', () => {
  let stack: Stack;
  let ch: ClickHouseHandle;
  let writer: TableWriter;

  async function rows<T = Record<string, unknown>>(query: string): Promise<T[]> {
    // 64-bit integers as JSON numbers whatever the engine's default (test values are small).
    const rs = await ch.client.query({
      query,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    return rs.json<T>();
  }

  beforeAll(async () => {
    stack = await startStack({ clickhouse: true });
    ch = await stack.openClickHouse();
    writer = new TableWriter(ch.client);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('applies every migration once and records it; a second run applies nothing', async () => {
    const all = loadMigrations();
    expect(all.length).toBeGreaterThanOrEqual(4);
    const first = await applyMigrations(ch.client, { logger: silentLogger });
    expect(first.map((m) => m.version)).toEqual(all.map((m) => m.version));
    const second = await applyMigrations(ch.client, { logger: silentLogger });
    expect(second).toEqual([]);
    const recorded = await appliedMigrations(ch.client);
    expect(recorded.map((m) => [m.version, m.checksum])).toEqual(all.map((m) => [m.version, m.checksum]));
    const tables = await rows<{ name: string; engine: string }>(
      `SELECT name, engine FROM system.tables WHERE database = 'recostream' ORDER BY name`,
    );
    expect(Object.fromEntries(tables.map((t) => [t.name, t.engine]))).toMatchObject({
      interactions: 'ReplacingMergeTree',
      items: 'ReplacingMergeTree',
      users: 'ReplacingMergeTree',
      user_features: 'ReplacingMergeTree',
      item_features: 'ReplacingMergeTree',
      dead_letters: 'ReplacingMergeTree',
      training_runs: 'ReplacingMergeTree',
      schema_migrations: 'ReplacingMergeTree',
      interactions_unique: 'View',
      items_current: 'View',
      users_current: 'View',
      user_features_latest: 'View',
      item_features_latest: 'View',
    });
  });

  it('re-applies an interrupted migration (statements are idempotent) and refuses an edited one', async () => {
    const all = loadMigrations();
    const last = all.at(-1)!;
    // Forget the last migration as if the process died before recording it: it runs again cleanly.
    await ch.client.command({
      query: `ALTER TABLE recostream.schema_migrations DELETE WHERE version = ${last.version}`,
      clickhouse_settings: { mutations_sync: '2' },
    });
    const again = await applyMigrations(ch.client, { logger: silentLogger });
    expect(again.map((m) => m.version)).toEqual([last.version]);

    const edited = all.map((m) => (m.version === last.version ? { ...m, checksum: 'edited' } : m));
    await expect(applyMigrations(ch.client, { logger: silentLogger, migrations: edited })).rejects.toThrow(
      MigrationChecksumError,
    );
  });

  it('stores an interaction with every column as sent', async () => {
    const sample = {
      ...SAMPLES.Interaction,
      event_id: 'cols-1',
      event_time: Date.UTC(2024, 1, 29, 23, 59, 59, 987),
    };
    await writer.insert(TABLE.interactions, [
      interactionRow(sample, { partition: 4, offset: '9007199254740993' }),
    ]);
    const [row] = await rows(
      `SELECT *, toUnixTimestamp64Milli(event_time) AS et, toUnixTimestamp64Milli(ingest_time) AS it,
              toString(kafka_offset) AS off, _partition_id AS month
       FROM recostream.interactions WHERE event_id = 'cols-1'`,
    );
    expect(row).toMatchObject({
      event_id: 'cols-1',
      user_id: sample.user_id,
      item_id: sample.item_id,
      event_type: sample.event_type,
      rating: sample.rating,
      event_time: '2024-02-29 23:59:59.987',
      et: sample.event_time,
      session_id: sample.session_id,
      device_type: sample.device_type,
      page_context: sample.page_context,
      price: sample.price,
      source: sample.source,
      it: sample.ingest_time,
      kafka_partition: 4,
      off: '9007199254740993',
      month: '202402',
    });

    const nulls = {
      ...sample,
      event_id: 'cols-2',
      rating: null,
      session_id: null,
      device_type: null,
      page_context: null,
      price: null,
    };
    await writer.insert(TABLE.interactions, [interactionRow(nulls, { partition: 0, offset: '1' })]);
    const [n] = await rows(
      `SELECT rating, session_id, device_type, page_context, price FROM recostream.interactions WHERE event_id = 'cols-2'`,
    );
    expect(n).toEqual({ rating: null, session_id: null, device_type: null, page_context: null, price: null });
  });

  it('collapses copies of one event (same event_id) into one row under FINAL and the unique view', async () => {
    const e = { ...SAMPLES.Interaction, event_id: 'dup-1', user_id: 'dup-user' };
    await writer.insert(TABLE.interactions, [interactionRow(e, { partition: 1, offset: '10' })]);
    await writer.insert(TABLE.interactions, [
      interactionRow(
        { ...e, ingest_time: e.ingest_time + 5000, source: 'replay:again.csv' },
        { partition: 1, offset: '11' },
      ),
    ]);
    const [physical] = await rows<{ n: string }>(
      `SELECT count() AS n FROM recostream.interactions WHERE user_id = 'dup-user'`,
    );
    const [final] = await rows<{ n: string }>(
      `SELECT count() AS n FROM recostream.interactions FINAL WHERE user_id = 'dup-user'`,
    );
    const [view] = await rows<{ n: string }>(
      `SELECT count() AS n FROM recostream.interactions_unique WHERE user_id = 'dup-user'`,
    );
    expect(Number(physical!.n)).toBe(2);
    expect(Number(final!.n)).toBe(1);
    expect(Number(view!.n)).toBe(1);
  });

  it('stores items and users with maps and nullable fields, and a tombstone deletes the key', async () => {
    await writer.insert(TABLE.items, [
      itemRow(SAMPLES.Item, { partition: 0, offset: '1' }),
      itemRow(
        {
          ...SAMPLES.Item,
          item_id: 'i2',
          title: null,
          category: null,
          price: null,
          created_at: null,
          attributes: {},
          is_active: false,
        },
        { partition: 1, offset: '1' },
      ),
    ]);
    await writer.insert(TABLE.items, [
      itemRow({ ...SAMPLES.Item, title: 'Renamed' }, { partition: 0, offset: '2' }),
    ]);
    const items = await rows(
      `SELECT item_id, title, category, subcategory, brand, price, description, is_active, attributes,
              toUnixTimestamp64Milli(created_at) AS created, source, toUnixTimestamp64Milli(ingest_time) AS ingested
       FROM recostream.items_current ORDER BY item_id`,
    );
    expect(items).toEqual([
      {
        item_id: 'i1',
        title: 'Renamed',
        category: SAMPLES.Item.category,
        subcategory: SAMPLES.Item.subcategory,
        brand: SAMPLES.Item.brand,
        price: SAMPLES.Item.price,
        description: SAMPLES.Item.description,
        is_active: true,
        attributes: SAMPLES.Item.attributes,
        created: SAMPLES.Item.created_at,
        source: SAMPLES.Item.source,
        ingested: SAMPLES.Item.ingest_time,
      },
      {
        item_id: 'i2',
        title: null,
        category: null,
        subcategory: SAMPLES.Item.subcategory,
        brand: SAMPLES.Item.brand,
        price: null,
        description: SAMPLES.Item.description,
        is_active: false,
        attributes: {},
        created: null,
        source: SAMPLES.Item.source,
        ingested: SAMPLES.Item.ingest_time,
      },
    ]);
    await writer.insert(TABLE.items, [
      itemTombstoneRow('i2', { partition: 1, offset: '2' }, Date.UTC(2024, 0, 1)),
    ]);
    expect(
      (await rows(`SELECT item_id FROM recostream.items FINAL ORDER BY item_id`)).map((r) => r.item_id),
    ).toEqual(['i1']);

    await writer.insert(TABLE.users, [userRow(SAMPLES.User, { partition: 2, offset: '7' })]);
    const [user] = await rows(
      `SELECT * EXCEPT (join_date, ingest_time, inserted_at, kafka_offset), toUnixTimestamp64Milli(join_date) AS joined
       FROM recostream.users_current`,
    );
    const { join_date, ingest_time: _ingest, ...rest } = SAMPLES.User;
    expect(user).toEqual({ ...rest, joined: join_date, kafka_partition: 2 });
    await writer.insert(TABLE.users, [userTombstoneRow('u1', { partition: 2, offset: '8' }, Date.now())]);
    expect(await rows(`SELECT user_id FROM recostream.users_current`)).toEqual([]);
  });

  it('keeps feature records of two versions apart; the latest views return the latest record per key', async () => {
    const u = SAMPLES.UserFeatures;
    const v1 = [
      { ...u, total_interactions: 1, n_view: 1, recent_items: ['i1'] },
      { ...u, total_interactions: 2, n_view: 2, recent_items: ['i2', 'i1'] },
      { ...u, total_interactions: 3, n_view: 3, recent_items: ['i3', 'i2', 'i1'], avg_rating: null },
    ];
    const v2 = [{ ...u, version: 'v2', total_interactions: 2, n_view: 2, recent_items: ['x'] }];
    await writer.insert(
      TABLE.userFeatures,
      [...v1, ...v2].map((r, k) => userFeaturesRow(r, { partition: 0, offset: String(k) })),
    );
    // A copy of v1's second record re-published after a processor restart: another updated_at.
    await writer.insert(TABLE.userFeatures, [
      userFeaturesRow(
        { ...v1[1]!, updated_at: u.updated_at + 60_000, as_of: u.as_of + 1 },
        { partition: 0, offset: '10' },
      ),
    ]);
    const history = await rows<{ version: string; total_interactions: number }>(
      `SELECT version, total_interactions FROM recostream.user_features FINAL WHERE user_id = 'u1' ORDER BY version, total_interactions`,
    );
    expect(history).toEqual([
      { version: 'v1', total_interactions: 1 },
      { version: 'v1', total_interactions: 2 },
      { version: 'v1', total_interactions: 3 },
      { version: 'v2', total_interactions: 2 },
    ]);
    const latest = await rows(
      `SELECT version, user_id, total_interactions, n_view, recent_items, avg_rating FROM recostream.user_features_latest ORDER BY version`,
    );
    expect(latest).toEqual([
      {
        version: 'v1',
        user_id: 'u1',
        total_interactions: 3,
        n_view: 3,
        recent_items: ['i3', 'i2', 'i1'],
        avg_rating: null,
      },
      {
        version: 'v2',
        user_id: 'u1',
        total_interactions: 2,
        n_view: 2,
        recent_items: ['x'],
        avg_rating: u.avg_rating,
      },
    ]);

    // Every column of the user features round-trips.
    const [full] = await rows(
      `SELECT * EXCEPT (as_of, updated_at, first_event_time, last_event_time, kafka_partition, kafka_offset, inserted_at),
              toUnixTimestamp64Milli(as_of) AS as_of, toUnixTimestamp64Milli(updated_at) AS updated_at,
              toUnixTimestamp64Milli(first_event_time) AS first_event_time, toUnixTimestamp64Milli(last_event_time) AS last_event_time
       FROM recostream.user_features_latest WHERE version = 'v2'`,
    );
    const expected = Object.fromEntries(Object.entries(v2[0]!).map(([k, v]) => [k, v]));
    expect(full).toEqual(expected);

    const i = SAMPLES.ItemFeatures;
    await writer.insert(TABLE.itemFeatures, [
      itemFeaturesRow(i, { partition: 1, offset: '0' }),
      itemFeaturesRow(
        { ...i, total_interactions: 101, ctr: null, purchase_rate: null, trending_score: null },
        { partition: 1, offset: '1' },
      ),
    ]);
    const [item] = await rows(
      `SELECT * EXCEPT (as_of, updated_at, first_event_time, last_event_time, kafka_partition, kafka_offset, inserted_at),
              toUnixTimestamp64Milli(as_of) AS as_of, toUnixTimestamp64Milli(updated_at) AS updated_at,
              toUnixTimestamp64Milli(first_event_time) AS first_event_time, toUnixTimestamp64Milli(last_event_time) AS last_event_time
       FROM recostream.item_features FINAL WHERE total_interactions = 100`,
    );
    expect(item).toEqual(Object.fromEntries(Object.entries(i).map(([k, v]) => [k, v])));
    const [latestItem] = await rows(
      `SELECT total_interactions, ctr, trending_score FROM recostream.item_features_latest WHERE version = 'v1' AND item_id = 'i1'`,
    );
    expect(latestItem).toEqual({ total_interactions: 101, ctr: null, trending_score: null });
  });

  it('keeps the exact raw bytes of a dead letter and collapses a repeated report', async () => {
    const raw = Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x22, 0x5c, 0x80]);
    const dl = {
      ...SAMPLES.DeadLetter,
      file: null,
      line: null,
      topic: 'interactions',
      partition: 3,
      offset: 77,
      raw,
      raw_key: Buffer.from('u9'),
    };
    await writer.insert(TABLE.deadLetters, [deadLetterRow(dl, { partition: 0, offset: '5' })]);
    await writer.insert(TABLE.deadLetters, [
      deadLetterRow({ ...dl, failed_at: dl.failed_at + 1000 }, { partition: 0, offset: '6' }),
    ]);
    const got = await rows(
      `SELECT dead_letter_id, source, reason, field, hex(raw) AS raw_hex, raw_key, topic, partition, offset, file, line,
              toUnixTimestamp64Milli(failed_at) AS failed
       FROM recostream.dead_letters FINAL WHERE topic = 'interactions'`,
    );
    expect(got).toEqual([
      {
        dead_letter_id: 'interactions/3/77',
        source: dl.source,
        reason: dl.reason,
        field: dl.field,
        raw_hex: raw.toString('hex').toUpperCase(),
        raw_key: 'u9',
        topic: 'interactions',
        partition: 3,
        offset: 77,
        file: null,
        line: null,
        failed: dl.failed_at + 1000,
      },
    ]);
  });

  it('stores training runs with nested metrics and keeps the latest state of a run', async () => {
    const run = SAMPLES.TrainingRun;
    await writer.insert(TABLE.trainingRuns, [
      trainingRunRow(
        { ...run, status: 'running', finished_at: null, metrics: [] },
        { partition: 0, offset: '0' },
      ),
    ]);
    await writer.insert(TABLE.trainingRuns, [trainingRunRow(run, { partition: 0, offset: '1' })]);
    const [got] = await rows(
      `SELECT run_id, trigger, status, feature_version, snapshot_offsets, toUnixTimestamp64Milli(snapshot_clock) AS clock, protocol, seed,
              data_sizes, params, metrics, durations_ms, served_model, promoted, promotion_reason, artifact_path, artifact_checksum,
              error, toUnixTimestamp64Milli(started_at) AS started, toUnixTimestamp64Milli(finished_at) AS finished
       FROM recostream.training_runs FINAL`,
    );
    expect(got).toEqual({
      run_id: run.run_id,
      trigger: run.trigger,
      status: 'succeeded',
      feature_version: run.feature_version,
      snapshot_offsets: [{ topic: 'user-features.v1', partition: 0, offset: 1234 }],
      clock: run.snapshot_clock,
      protocol: run.protocol,
      seed: run.seed,
      data_sizes: run.data_sizes,
      params: run.params,
      metrics: [{ model: 'mf', split: 'test', metric: 'ndcg@10', value: 0.12 }],
      durations_ms: run.durations_ms,
      served_model: run.served_model,
      promoted: true,
      promotion_reason: run.promotion_reason,
      artifact_path: run.artifact_path,
      artifact_checksum: run.artifact_checksum,
      error: null,
      started: run.started_at,
      finished: run.finished_at,
    });
  });
});
