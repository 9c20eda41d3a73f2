import { describe, expect, it } from 'vitest';
import {
  dateTime64,
  deadLetterId,
  deadLetterRow,
  float64,
  interactionRow,
  itemFeaturesRow,
  itemRow,
  itemTombstoneRow,
  MAX_DATETIME64_MS,
  MIN_DATETIME64_MS,
  trainingRunRow,
  trainingRunTombstoneRow,
  UnrepresentableValueError,
  userFeaturesRow,
  userRow,
} from '../../../sinks/clickhouse/rows.js';
import { SAMPLES } from '../schemas/samples.js';

const at = { partition: 2, offset: '41' };

describe('ClickHouse row mapping', () => {
  it('formats timestamp-millis as a UTC DateTime64(3) literal, rejecting what ClickHouse cannot store', () => {
    expect(dateTime64(0, 't')).toBe('1970-01-01 00:00:00.000');
    expect(dateTime64(Date.UTC(2024, 1, 29, 23, 59, 59, 7), 't')).toBe('2024-02-29 23:59:59.007');
    expect(dateTime64(-1, 't')).toBe('1969-12-31 23:59:59.999');
    expect(dateTime64(MIN_DATETIME64_MS, 't')).toBe('1900-01-01 00:00:00.000');
    expect(dateTime64(MAX_DATETIME64_MS, 't')).toBe('2299-12-31 23:59:59.999');
    expect(() => dateTime64(MAX_DATETIME64_MS + 1, 'event_time')).toThrow(UnrepresentableValueError);
    expect(() => dateTime64(MIN_DATETIME64_MS - 1, 'event_time')).toThrow(/event_time/);
    expect(() => dateTime64(Number.NaN, 'x')).toThrow(UnrepresentableValueError);
  });

  it('keeps non-finite doubles as ClickHouse float literals instead of JSON null', () => {
    expect(float64(1.5)).toBe(1.5);
    expect(float64(Number.NaN)).toBe('nan');
    expect(float64(Infinity)).toBe('inf');
    expect(float64(-Infinity)).toBe('-inf');
    expect(JSON.parse(JSON.stringify({ v: float64(Number.NaN) }))).toEqual({ v: 'nan' });
  });

  it('maps an interaction column by column', () => {
    expect(interactionRow(SAMPLES.Interaction, at)).toEqual({
      event_id: 'e-1',
      user_id: 'u1',
      item_id: 'i1',
      event_type: 'purchase',
      rating: 4.5,
      event_time: '2023-11-14 22:13:20.000',
      session_id: 's1',
      device_type: 'mobile',
      page_context: 'search',
      price: 19.99,
      source: 'api',
      ingest_time: '2023-11-14 22:13:20.500',
      kafka_partition: 2,
      kafka_offset: '41',
    });
  });

  it('carries offsets beyond 2^53 exactly, as strings', () => {
    expect(
      interactionRow(SAMPLES.Interaction, { partition: 0, offset: '9007199254740993' }).kafka_offset,
    ).toBe('9007199254740993');
  });

  it('names the field of a time ClickHouse cannot store', () => {
    const far = { ...SAMPLES.Interaction, ingest_time: Date.UTC(2500, 0, 1) };
    try {
      interactionRow(far, at);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UnrepresentableValueError);
      expect((err as UnrepresentableValueError).field).toBe('ingest_time');
      expect((err as UnrepresentableValueError).reason).toBe('clickhouse_unrepresentable_value');
    }
  });

  it('maps items and users, nullable times included', () => {
    expect(itemRow({ ...SAMPLES.Item, created_at: null }, at)).toMatchObject({
      item_id: 'i1',
      attributes: { color: 'black', wireless: 'true' },
      created_at: null,
      is_active: true,
      is_deleted: 0,
    });
    expect(userRow(SAMPLES.User, at)).toMatchObject({
      user_id: 'u1',
      age: 28,
      join_date: '2020-09-13 12:26:40.000',
      ingest_time: '2023-11-14 22:13:20.000',
      is_deleted: 0,
      kafka_offset: '41',
    });
  });

  it('turns a tombstone into a deleting row keyed by the message key', () => {
    expect(itemTombstoneRow('i9', at, Date.UTC(2024, 0, 1))).toEqual({
      item_id: 'i9',
      source: 'tombstone',
      ingest_time: '2024-01-01 00:00:00.000',
      is_deleted: 1,
      kafka_partition: 2,
      kafka_offset: '41',
    });
    // A broker timestamp out of range is clamped rather than losing the delete.
    expect(trainingRunTombstoneRow('r1', at, -1e15)).toEqual({
      run_id: 'r1',
      started_at: '1900-01-01 00:00:00.000',
      is_deleted: 1,
      kafka_partition: 2,
      kafka_offset: '41',
    });
  });

  it('maps every user and item feature', () => {
    const u = userFeaturesRow(SAMPLES.UserFeatures, at);
    const expectedUser: Record<string, unknown> = {
      ...SAMPLES.UserFeatures,
      kafka_partition: 2,
      kafka_offset: '41',
    };
    for (const t of ['as_of', 'updated_at', 'first_event_time', 'last_event_time']) {
      expectedUser[t] = dateTime64(SAMPLES.UserFeatures[t as 'as_of'], t);
    }
    expect(u).toEqual(expectedUser);
    const i = itemFeaturesRow({ ...SAMPLES.ItemFeatures, popularity_score: Number.NaN, ctr: null }, at);
    expect(i).toMatchObject({
      item_id: 'i1',
      popularity_score: 'nan',
      ctr: null,
      unique_users: 40,
      version: 'v1',
    });
    expect(Object.keys(i).sort()).toEqual(
      [...Object.keys(SAMPLES.ItemFeatures), 'kafka_partition', 'kafka_offset'].sort(),
    );
  });

  it('maps a training run with its nested records', () => {
    const r = trainingRunRow(SAMPLES.TrainingRun, at);
    expect(r).toMatchObject({
      run_id: 'run-1',
      snapshot_offsets: [{ topic: 'user-features.v1', partition: 0, offset: 1234 }],
      snapshot_clock: '2023-11-14 22:13:20.000',
      metrics: [{ model: 'mf', split: 'test', metric: 'ndcg@10', value: 0.12 }],
      durations_ms: { fit: 1234.5 },
      finished_at: '2023-11-14 22:15:00.000',
      is_deleted: 0,
    });
  });

  it('identifies a dead letter by what it rejected', () => {
    const fromTopic = {
      ...SAMPLES.DeadLetter,
      topic: 'interactions',
      partition: 1,
      offset: 5,
      file: null,
      line: null,
    };
    expect(deadLetterId(fromTopic, at)).toBe('interactions/1/5');
    expect(deadLetterId(SAMPLES.DeadLetter, at)).toBe('interactions.csv:12');
    const fromApi = { ...SAMPLES.DeadLetter, file: null, line: null };
    expect(deadLetterId(fromApi, at)).toBe('dead-letters/2/41');
  });

  it('carries raw bytes as base64 and never rejects a dead letter for its time', () => {
    const raw = Buffer.from([0, 255, 10, 34]);
    const row = deadLetterRow({ ...SAMPLES.DeadLetter, raw, raw_key: Buffer.from('k'), failed_at: 1e16 }, at);
    expect(Buffer.from(row.raw_base64, 'base64')).toEqual(raw);
    expect(row.raw_key_base64).toBe(Buffer.from('k').toString('base64'));
    expect(row.failed_at).toBe('2299-12-31 23:59:59.999');
  });
});
