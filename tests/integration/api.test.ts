import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordProducer, TrainerClient, TriggerRequest } from '../../api/ports.js';
import type { RunningApi } from '../../api/server.js';
import { buildDataset, type InteractionRow } from '../../training/dataset.js';
import { checksumArtifact, fitModel } from '../../training/models/index.js';
import { promotedModelSource } from '../../training/serving/model-source.js';
import { modelsDir, writePromoted } from '../../training/serving/promoted.js';
import type { DeadLetter, TrainingRun } from '../../schemas/types.js';
import { readTopic } from '../harness/kafka-io.js';
import { startApiStack, type ApiStack } from '../harness/api-stack.js';
import { until } from '../harness/polling.js';

/**
 * The API over real HTTP against the real pipeline in this process: embedded broker and
 * registry, redis-server, both feature processors, chDB with the ClickHouse sink.
 */

const WRITE_KEY = 'write-key-0123456789';
const READ_KEY = 'read-key-0123456789';

interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  options: {
    body?: unknown;
    raw?: string | Buffer | FormData;
    key?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | Buffer | FormData | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics, docs)
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

const run = randomBytes(3).toString('hex');
const uid = (n: number | string) => `u-${run}-${n}`;
const iid = (n: number | string) => `i-${run}-${n}`;

describe('API over HTTP against the pipeline', () => {
  let s: ApiStack;
  let api: RunningApi;
  let base: string;

  beforeAll(async () => {
    s = await startApiStack({ processors: true, clickhouse: true });
    api = await s.api({ apiKey: WRITE_KEY });
    base = api.url;
  }, 180_000);

  afterAll(async () => {
    await s?.stop();
  }, 120_000);

  describe('events -> processors -> features', () => {
    it('an event posted to /v1/events shows up in /v1/features', async () => {
      const now = Date.now();
      const events = [
        {
          user_id: uid(1),
          item_id: iid(1),
          event_type: 'view',
          event_time: new Date(now - 60_000).toISOString(),
        },
        { user_id: uid(1), product_id: iid(2), interaction_type: 'click', event_time: now - 30_000 },
        { user_id: uid(1), item_id: iid(1), event_type: 'purchase', price: 12.5, event_time: now - 10_000 },
        { user_id: uid(2), item_id: iid(1), event_type: 'view' },
      ];
      const posted = await call(base, 'POST', '/v1/events', { body: events, key: WRITE_KEY });
      expect(posted.status).toBe(202);
      expect(posted.body).toEqual({ accepted: 4, rejected: [] });

      const user = await until('user features', async () => {
        const r = await call<{ features: Record<string, unknown> }>(
          base,
          'GET',
          `/v1/features/users/${uid(1)}`,
        );
        return r.status === 200 && r.body.features.total_interactions === 3 ? r : undefined;
      });
      expect(user.body).toMatchObject({ user_id: uid(1), version: 'v1' });
      expect(user.body.features).toMatchObject({
        n_view: 1,
        n_click: 1,
        n_purchase: 1,
        unique_items: 2,
        monetary_value: 12.5,
        cnt_1h: 3,
        recent_items: [iid(1), iid(2)],
      });
      expect(typeof (user.body as unknown as { as_of: number }).as_of).toBe('number');

      const item = await until('item features', async () => {
        const r = await call<{ features: Record<string, unknown> }>(
          base,
          'GET',
          `/v1/features/items/${iid(1)}`,
        );
        return r.status === 200 && r.body.features.total_interactions === 3 ? r : undefined;
      });
      expect(item.body.features).toMatchObject({ n_view: 2, n_purchase: 1, unique_users: 2 });
      expect(item.body.features.popularity_score as number).toBeGreaterThan(0);
    });

    it('selects fields, reads a named version, and answers 404 and 400 with a reason', async () => {
      const selected = await call<{ features: Record<string, unknown> }>(
        base,
        'GET',
        `/v1/features/users/${uid(1)}?fields=cnt_24h,n_purchase`,
      );
      expect(selected.status).toBe(200);
      expect(Object.keys(selected.body.features).sort()).toEqual(['cnt_24h', 'n_purchase']);

      const v1 = await call(base, 'GET', `/v1/features/users/${uid(1)}?version=v1`);
      expect(v1.status).toBe(200);

      const otherVersion = await call(base, 'GET', `/v1/features/users/${uid(1)}?version=v9`);
      expect(otherVersion.status).toBe(404);
      expect(otherVersion.body).toMatchObject({ error: 'not_found', field: 'id' });
      expect(String(otherVersion.body.reason)).toContain('v9');

      const unknown = await call(base, 'GET', `/v1/features/users/nobody-${run}`);
      expect(unknown.status).toBe(404);
      expect(String(unknown.body.reason)).toContain(`nobody-${run}`);

      const badField = await call(
        base,
        'GET',
        `/v1/features/users/${uid(1)}?fields=cnt_24h,popularity_score`,
      );
      expect(badField.status).toBe(400);
      expect(badField.body).toMatchObject({ error: 'validation_failed', field: 'fields' });
      expect(String(badField.body.reason)).toContain('popularity_score');

      const badVersion = await call(base, 'GET', `/v1/features/items/${iid(1)}?version=latest`);
      expect(badVersion.status).toBe(400);
      expect(badVersion.body).toMatchObject({ error: 'validation_failed', field: 'version' });

      const extra = await call(base, 'GET', `/v1/features/items/${iid(1)}?feilds=ctr`);
      expect(extra.status).toBe(400);
      expect(extra.body).toMatchObject({ field: 'feilds' });
    });

    it('looks up many keys at once and refuses more than 1,000', async () => {
      const r = await call<{ users: Record<string, unknown>[]; items: Record<string, unknown>[] }>(
        base,
        'POST',
        '/v1/features/lookup',
        {
          body: { users: [uid(1), `nobody-${run}`], items: [iid(1)], fields: ['total_interactions', 'ctr'] },
        },
      );
      expect(r.status).toBe(200);
      expect(r.body.users).toHaveLength(2);
      expect(r.body.users[0]).toMatchObject({
        user_id: uid(1),
        found: true,
        features: { total_interactions: 3 },
      });
      expect(r.body.users[0]!.features).not.toHaveProperty('ctr');
      expect(r.body.users[1]).toEqual({ user_id: `nobody-${run}`, found: false });
      expect(r.body.items[0]).toMatchObject({ item_id: iid(1), found: true });
      expect(r.body.items[0]!.features).toHaveProperty('ctr');

      const tooMany = await call(base, 'POST', '/v1/features/lookup', {
        body: {
          users: Array.from({ length: 600 }, (_, i) => uid(i)),
          items: Array.from({ length: 401 }, (_, i) => iid(i)),
        },
      });
      expect(tooMany.status).toBe(400);
      expect(String(tooMany.body.reason)).toContain('1000');

      const empty = await call(base, 'POST', '/v1/features/lookup', { body: {} });
      expect(empty.status).toBe(400);
      const typo = await call(base, 'POST', '/v1/features/lookup', { body: { user: [uid(1)] } });
      expect(typo.status).toBe(400);
      expect(typo.body).toMatchObject({ field: 'user' });
    });
  });

  describe('ingestion', () => {
    it('rejects invalid events by index and field, produces the valid ones and dead-letters the rest', async () => {
      const marker = `dl-${run}`;
      const r = await call<{
        accepted: number;
        rejected: { index: number; field: string; reason: string }[];
      }>(base, 'POST', '/v1/events', {
        key: WRITE_KEY,
        body: [
          { user_id: uid(3), item_id: iid(3), event_type: 'like' },
          { user_id: uid(3), item_id: iid(3), event_type: 'teleport', session_id: marker },
          { user_id: uid(3), event_type: 'view', session_id: marker },
          'not an object',
        ],
      });
      expect(r.status).toBe(202);
      expect(r.body.accepted).toBe(1);
      expect(r.body.rejected.map((x) => [x.index, x.field])).toEqual([
        [1, 'event_type'],
        [2, 'item_id'],
        [3, '(record)'],
      ]);
      expect(r.body.rejected[0]!.reason).toContain('teleport');

      const letters = await readTopic(s.kafka, s.serde, 'dead-letters', 'DeadLetter');
      const ours = letters.map((l) => l.value as DeadLetter).filter((l) => l.raw.toString().includes(marker));
      expect(ours).toHaveLength(2);
      expect(ours.map((l) => l.field).sort()).toEqual(['event_type', 'item_id']);
      expect(JSON.parse(ours.find((l) => l.field === 'event_type')!.raw.toString())).toMatchObject({
        event_type: 'teleport',
      });
      expect(ours[0]!.source).toBe('api');
    });

    it('answers 400 for one invalid event, and for malformed, empty or too large bodies', async () => {
      const one = await call(base, 'POST', '/v1/events', {
        key: WRITE_KEY,
        body: { user_id: uid(4), item_id: iid(4), event_type: 'rate', rating: 9 },
      });
      expect(one.status).toBe(400);
      expect(one.body).toMatchObject({ error: 'validation_failed', field: 'rating' });

      const malformed = await call(base, 'POST', '/v1/events', {
        key: WRITE_KEY,
        raw: '{"user_id": "u1", ',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ error: 'malformed_body', field: 'body' });

      const emptyArray = await call(base, 'POST', '/v1/events', { key: WRITE_KEY, body: [] });
      expect(emptyArray.status).toBe(400);

      const scalar = await call(base, 'POST', '/v1/events', { key: WRITE_KEY, body: 42 });
      expect(scalar.status).toBe(400);
      expect(scalar.body).toMatchObject({ error: 'validation_failed', field: 'body' });

      const tooMany = await call(base, 'POST', '/v1/events', {
        key: WRITE_KEY,
        body: Array.from({ length: 10_001 }, () => ({})),
      });
      expect(tooMany.status).toBe(400);
      expect(String(tooMany.body.reason)).toContain('10000');

      const huge = await call(base, 'POST', '/v1/events', {
        key: WRITE_KEY,
        body: [
          {
            user_id: uid(5),
            item_id: iid(5),
            event_type: 'view',
            page_context: 'x'.repeat(17 * 1024 * 1024),
          },
        ],
      });
      expect(huge.status).toBe(413);
      expect(huge.body).toMatchObject({ error: 'payload_too_large' });

      const text = await call(base, 'POST', '/v1/events', {
        key: WRITE_KEY,
        raw: 'user_id=1',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status).toBe(415);
    });

    it('upserts catalog records and deletes them with tombstones', async () => {
      const item = { item_id: iid('cat'), name: 'Lamp', category: 'home', price: '19.90' };
      const upsert = await call(base, 'POST', '/v1/items', { key: WRITE_KEY, body: item });
      expect(upsert.status).toBe(202);
      expect(upsert.body).toEqual({ accepted: 1, rejected: [] });
      const user = await call(base, 'POST', '/v1/users', {
        key: WRITE_KEY,
        body: [{ user_id: uid('cat'), age: 31 }, { age: 20 }],
      });
      expect(user.status).toBe(202);
      expect(user.body).toMatchObject({ accepted: 1, rejected: [{ index: 1, field: 'user_id' }] });

      const items = await readTopic(s.kafka, s.serde, 'items', 'Item');
      const stored = items.find((m) => m.key === iid('cat'));
      expect(stored?.value).toMatchObject({ title: 'Lamp', category: 'home', price: 19.9, source: 'api' });

      const deleted = await call(base, 'DELETE', `/v1/items/${iid('cat')}`, { key: WRITE_KEY });
      expect(deleted.status).toBe(202);
      expect(deleted.body).toEqual({ deleted: iid('cat'), topic: 'items' });
      const tombstone = await lastMessageOf(s, 'items', iid('cat'));
      expect(tombstone).toBeNull();

      const invalid = await call(base, 'POST', '/v1/items', { key: WRITE_KEY, body: { title: 'no id' } });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({ field: 'item_id' });
    });

    it('replays an uploaded CSV and returns its quality report', async () => {
      const csv =
        'user_id,item_id,event_type,timestamp\n' +
        `${uid(6)},${iid(6)},view,${new Date(Date.now() - 5_000).toISOString()}\n` +
        `${uid(6)},${iid(6)},purchase,${new Date(Date.now() - 4_000).toISOString()}\n` +
        `${uid(6)},,view,${new Date().toISOString()}\n`;
      const form = new FormData();
      form.append('file', new Blob([csv], { type: 'text/csv' }), 'events.csv');
      const r = await call(base, 'POST', '/v1/uploads/interactions', { key: WRITE_KEY, raw: form });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        status: 'completed',
        rows_read: 3,
        accepted: 2,
        rejected: 1,
        produced: 2,
      });

      const dry = new FormData();
      dry.append('file', new Blob([csv], { type: 'text/csv' }), 'events.csv');
      const d = await call(base, 'POST', '/v1/uploads/interactions?dry_run=true', {
        key: WRITE_KEY,
        raw: dry,
      });
      expect(d.status).toBe(200);
      expect(d.body).toMatchObject({ status: 'dry_run', accepted: 2, produced: 0 });

      const json = await call(base, 'POST', '/v1/uploads/interactions', { key: WRITE_KEY, body: { a: 1 } });
      expect(json.status).toBe(415);
      const kind = await call(base, 'POST', '/v1/uploads/ratings', { key: WRITE_KEY, raw: new FormData() });
      expect(kind.status).toBe(400);
      expect(kind.body).toMatchObject({ field: 'kind' });

      await until('uploaded events in features', async () => {
        const f = await call<{ features: { n_purchase?: number } }>(
          base,
          'GET',
          `/v1/features/users/${uid(6)}`,
        );
        return f.status === 200 && f.body.features.n_purchase === 1 ? true : undefined;
      });
    });
  });

  describe('schemas and validation', () => {
    it('serves a schema with its registry id and 404s unknown names', async () => {
      const r = await call<{ id: number; subject: string; registered: boolean; schema: { name: string } }>(
        base,
        'GET',
        '/v1/schemas/Interaction',
      );
      expect(r.status).toBe(200);
      expect(r.body.subject).toBe('interactions-value');
      expect(r.body.registered).toBe(true);
      expect(Number.isInteger(r.body.id)).toBe(true);
      expect(r.body.schema.name).toBe('Interaction');
      const byTopic = await call<{ id: number }>(base, 'GET', '/v1/schemas/interactions');
      expect(byTopic.body.id).toBe(r.body.id);

      const missing = await call(base, 'GET', '/v1/schemas/Order');
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ field: 'name' });
    });

    it('validates sample records without producing them', async () => {
      const r = await call<{ valid: number; invalid: number; results: Record<string, unknown>[] }>(
        base,
        'POST',
        '/v1/validate',
        {
          body: {
            kind: 'interactions',
            records: [{ uid: 7, item_id: 8, event_type: 'view' }, { user_id: 1 }],
            map: { uid: 'user_id' },
          },
        },
      );
      expect(r.status).toBe(200);
      expect(r.body.valid).toBe(1);
      expect(r.body.results[0]).toMatchObject({ ok: true, record: { user_id: '7', item_id: '8' } });
      expect(r.body.results[1]).toMatchObject({ ok: false });

      const badKind = await call(base, 'POST', '/v1/validate', { body: { kind: 'orders', records: [{}] } });
      expect(badKind.status).toBe(400);
      expect(badKind.body).toMatchObject({ field: 'kind' });
    });
  });

  describe('recommendations', () => {
    it('ranks by popularity without what the user purchased, naming the model', async () => {
      // iid(1) is the most popular item (a purchase and two views) and uid(1) purchased it.
      await until('purchases in ClickHouse', async () => {
        const q = await call<{ rows: unknown[][] }>(base, 'POST', '/v1/sql', {
          key: WRITE_KEY,
          body: {
            query: `SELECT count() FROM interactions WHERE user_id = '${uid(1)}' AND event_type = 'purchase'`,
          },
        });
        return q.status === 200 && Number(q.body.rows[0]![0]) === 1 ? true : undefined;
      });
      const forOther = await call<{ items: { item_id: string; score: number; model: string }[] }>(
        base,
        'GET',
        `/v1/users/${uid(2)}/recommendations?k=50`,
      );
      expect(forOther.status).toBe(200);
      expect(forOther.body).toMatchObject({ model: 'popularity', run_id: null });
      const ids = forOther.body.items.map((i) => i.item_id);
      expect(ids).toContain(iid(1));
      const scores = forOther.body.items.map((i) => i.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(forOther.body.items[0]).toMatchObject({ model: 'popularity', run_id: null });

      const forBuyer = await call<{ items: { item_id: string }[]; excluded_purchases: number }>(
        base,
        'GET',
        `/v1/users/${uid(1)}/recommendations?k=50`,
      );
      expect(forBuyer.status).toBe(200);
      expect(forBuyer.body.excluded_purchases).toBe(1);
      expect(forBuyer.body.items.map((i) => i.item_id)).not.toContain(iid(1));

      const badK = await call(base, 'GET', `/v1/users/${uid(1)}/recommendations?k=0`);
      expect(badK.status).toBe(400);
      expect(badK.body).toMatchObject({ field: 'k' });
    });
  });

  describe('recommendations from a promoted model', () => {
    it('serves the model the promotion pointer names, naming its run id', async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'recostream-api-model-'));
      try {
        const T = Date.now() - 60_000;
        const rows: InteractionRow[] = [
          { user_id: uid(1), item_id: iid('m1'), event_type: 'purchase', rating: null, event_time: T },
          { user_id: uid(2), item_id: iid('m1'), event_type: 'purchase', rating: null, event_time: T },
          { user_id: uid(2), item_id: iid('m2'), event_type: 'click', rating: null, event_time: T },
          { user_id: uid(3), item_id: iid('m3'), event_type: 'view', rating: null, event_time: T },
        ];
        const runId = `run-${run}`;
        // Where a trainer saves a run's model and how it promotes it (training/runs/execute.ts).
        const artifact = path.join(modelsDir(dataDir), runId, 'popularity');
        await fitModel('popularity', buildDataset(rows)).save(artifact);
        await writePromoted(dataDir, {
          run_id: runId,
          model: 'popularity',
          artifact_path: artifact,
          artifact_checksum: await checksumArtifact(artifact),
          feature_version: 'v1',
          metric: 'ndcg@10',
          metrics: { 'ndcg@10': 0.5 },
          promoted_at: Date.now(),
        });
        const served = await s.api({ deps: { servedModels: promotedModelSource({ dataDir, pollMs: 0 }) } });
        const r = await call<{ run_id: string | null; items: { item_id: string; run_id: string }[] }>(
          served.url,
          'GET',
          `/v1/users/${uid(1)}/recommendations?k=3`,
        );
        expect(r.status).toBe(200);
        expect(r.body.run_id).toBe(runId);
        // uid(1) purchased iid(1) (not in this model) and iid('m1') is the model's top item.
        expect(r.body.items.map((i) => i.item_id)).toEqual([iid('m1'), iid('m2'), iid('m3')]);
        expect(r.body.items[0]!.run_id).toBe(runId);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('training', () => {
    it('answers 503 with a clear body while no trainer is wired', async () => {
      const r = await call(base, 'POST', '/v1/training/runs', { key: WRITE_KEY, body: {} });
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ error: 'unavailable' });
      expect(String(r.body.reason)).toContain('trainer');
      const list = await call(base, 'GET', '/v1/training/runs', { key: WRITE_KEY });
      expect(list.status).toBe(503);
    });
  });

  describe('training with a trainer wired', () => {
    it('triggers, lists and reads runs through the TrainerClient interface', async () => {
      const runs: TrainingRun[] = [];
      const requests: TriggerRequest[] = [];
      const trainer: TrainerClient = {
        async trigger(request) {
          requests.push(request);
          const running = runs.find((r) => r.status === 'running');
          if (running) return { accepted: false, reason: 'a run is in progress', running };
          const started = trainingRun(`run-${runs.length + 1}`, 'running');
          runs.unshift(started);
          return { accepted: true, run: started };
        },
        listRuns: async ({ limit }) => runs.slice(0, limit),
        getRun: async (id) => runs.find((r) => r.run_id === id) ?? null,
      };
      const withTrainer = await s.api({ apiKey: WRITE_KEY, trainer });
      const started = await call<{ run: TrainingRun }>(withTrainer.url, 'POST', '/v1/training/runs', {
        key: WRITE_KEY,
        body: { model: 'als', reason: 'test', protocol: 'kfold', folds: 3, seed: 3 },
      });
      expect(started.status).toBe(202);
      expect(started.body.run).toMatchObject({ run_id: 'run-1', status: 'running' });
      expect(requests).toEqual([{ model: 'als', reason: 'test', protocol: 'kfold', folds: 3, seed: 3 }]);

      const busy = await call(withTrainer.url, 'POST', '/v1/training/runs', { key: WRITE_KEY });
      expect(busy.status).toBe(409);
      expect(busy.body).toMatchObject({ error: 'conflict', running: { run_id: 'run-1' } });

      const badModel = await call(withTrainer.url, 'POST', '/v1/training/runs', {
        key: WRITE_KEY,
        body: { model: 'gpt' },
      });
      expect(badModel.status).toBe(400);
      expect(badModel.body).toMatchObject({ field: 'model' });
      const invalid: [Record<string, unknown>, string][] = [
        [{ protocol: 'leave-one-out' }, 'protocol'],
        [{ folds: 1 }, 'folds'],
        [{ folds: 2.5 }, 'folds'],
        [{ folds: 101 }, 'folds'],
        [{ seed: -1 }, 'seed'],
        [{ seed: 'three' }, 'seed'],
      ];
      for (const [body, field] of invalid) {
        const bad = await call(withTrainer.url, 'POST', '/v1/training/runs', { key: WRITE_KEY, body });
        expect(bad.status, JSON.stringify(body)).toBe(400);
        expect(bad.body, JSON.stringify(body)).toMatchObject({ error: 'validation_failed', field });
      }
      // Refused before the trainer is asked.
      expect(requests).toHaveLength(2);

      const list = await call<{ runs: TrainingRun[] }>(withTrainer.url, 'GET', '/v1/training/runs?limit=5', {
        key: WRITE_KEY,
      });
      expect(list.status).toBe(200);
      expect(list.body.runs.map((r) => r.run_id)).toEqual(['run-1']);
      const one = await call<TrainingRun>(withTrainer.url, 'GET', '/v1/training/runs/run-1', {
        key: WRITE_KEY,
      });
      expect(one.status).toBe(200);
      expect(one.body.metrics[0]).toMatchObject({ metric: 'ndcg@10', value: 0.1 });
      const none = await call(withTrainer.url, 'GET', '/v1/training/runs/run-9', { key: WRITE_KEY });
      expect(none.status).toBe(404);
      expect((await call(withTrainer.url, 'GET', '/v1/training/runs')).status).toBe(401);
    });
  });

  describe('SQL', () => {
    it('runs read-only queries with limits', async () => {
      const r = await call<{ columns: { name: string }[]; rows: unknown[][]; truncated: boolean }>(
        base,
        'POST',
        '/v1/sql',
        { key: WRITE_KEY, body: { query: 'SELECT number AS n FROM system.numbers LIMIT 100', max_rows: 10 } },
      );
      expect(r.status).toBe(200);
      expect(r.body.columns[0]!.name).toBe('n');
      expect(r.body.rows.length).toBeLessThanOrEqual(100);
      expect(r.body.truncated).toBe(true);
    });

    it.each([
      ['INSERT', `INSERT INTO recostream.interactions (event_id) VALUES ('x')`],
      ['DROP', 'DROP TABLE recostream.interactions'],
      ['ALTER', 'ALTER TABLE recostream.interactions DELETE WHERE 1'],
      ['SETTINGS readonly=0', 'SELECT 1 SETTINGS readonly = 0'],
      ['CREATE', 'CREATE TABLE recostream.evil (x UInt8) ENGINE = Memory'],
    ])('refuses %s', async (_name, query) => {
      const r = await call(base, 'POST', '/v1/sql', { key: WRITE_KEY, body: { query } });
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ error: 'read_only', kind: 'read_only' });
    });

    it('answers 400 for invalid SQL and for a body without a query', async () => {
      const bad = await call(base, 'POST', '/v1/sql', { key: WRITE_KEY, body: { query: 'SELEKT 1' } });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'invalid_query', field: 'query' });
      const none = await call(base, 'POST', '/v1/sql', { key: WRITE_KEY, body: {} });
      expect(none.status).toBe(400);
      expect(none.body).toMatchObject({ field: 'query' });
      const still = await call<{ rows: unknown[][] }>(base, 'POST', '/v1/sql', {
        key: WRITE_KEY,
        body: { query: 'EXISTS TABLE recostream.interactions' },
      });
      expect(still.status).toBe(200);
      expect(Number(still.body.rows[0]![0])).toBe(1);
    });
  });

  describe('auth', () => {
    it('requires the API key on writes: 401 without it, 403 with a wrong one', async () => {
      const none = await call(base, 'POST', '/v1/events', {
        body: { user_id: 'a', item_id: 'b', event_type: 'view' },
      });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(none.body).toMatchObject({ error: 'unauthorized', field: 'authorization' });

      const malformed = await call(base, 'POST', '/v1/sql', {
        body: { query: 'SELECT 1' },
        headers: { authorization: `Basic ${WRITE_KEY}` },
      });
      expect(malformed.status).toBe(401);

      const wrong = await call(base, 'POST', '/v1/sql', {
        body: { query: 'SELECT 1' },
        key: 'not-the-key-at-all',
      });
      expect(wrong.status).toBe(403);
      expect(wrong.body).toMatchObject({ error: 'forbidden' });

      const del = await call(base, 'DELETE', `/v1/users/${uid(1)}`);
      expect(del.status).toBe(401);
      const train = await call(base, 'GET', '/v1/training/runs/x', { key: 'wrong-wrong-wrong' });
      expect(train.status).toBe(403);

      // Reads stay open while API_READ_KEY is unset.
      expect((await call(base, 'GET', `/v1/features/users/${uid(1)}`)).status).toBe(200);
    });

    it('with API_READ_KEY, reads need the read key or the API key, and the read key cannot write', async () => {
      const guarded = await s.api({ apiKey: WRITE_KEY, apiReadKey: READ_KEY });
      const path = `/v1/features/users/${uid(1)}`;
      expect((await call(guarded.url, 'GET', path)).status).toBe(401);
      expect((await call(guarded.url, 'GET', path, { key: 'nope-nope-nope' })).status).toBe(403);
      expect((await call(guarded.url, 'GET', path, { key: READ_KEY })).status).toBe(200);
      expect((await call(guarded.url, 'GET', path, { key: WRITE_KEY })).status).toBe(200);
      const write = await call(guarded.url, 'POST', '/v1/events', {
        key: READ_KEY,
        body: { user_id: 'a', item_id: 'b', event_type: 'view' },
      });
      expect(write.status).toBe(403);
      expect((await call(guarded.url, 'GET', '/metrics')).status).toBe(401);
      expect((await call(guarded.url, 'GET', '/health')).status).toBe(200);
    });
  });

  describe('operations', () => {
    it('reports liveness, readiness of every dependency, and metrics by route', async () => {
      const health = await call(base, 'GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok' });

      const ready = await call<{ status: string; dependencies: { name: string; status: string }[] }>(
        base,
        'GET',
        '/ready',
      );
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
      const deps = Object.fromEntries(ready.body.dependencies.map((d) => [d.name, d.status]));
      expect(deps).toEqual({ kafka: 'up', schema_registry: 'up', redis: 'up', clickhouse: 'up' });
      expect(ready.body).toHaveProperty('processor_lag.total');
      expect((ready.body as unknown as { components: { name: string }[] }).components.length).toBeGreaterThan(
        0,
      );

      const metrics = await call(base, 'GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(metrics.text).toMatch(
        /recostream_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/features\/users\/:id"/,
      );
      expect(metrics.text).toContain('recostream_events_processed_total');
    });

    it('serves the OpenAPI document and the docs page, and JSON 404s for unknown routes', async () => {
      const spec = await call<{ openapi: string; paths: Record<string, unknown> }>(base, 'GET', '/docs/json');
      expect(spec.status).toBe(200);
      expect(spec.body.openapi).toMatch(/^3\./);
      expect(Object.keys(spec.body.paths)).toEqual(
        expect.arrayContaining(['/v1/features/users/{id}', '/v1/events', '/v1/sql', '/ready']),
      );
      const page = await call(base, 'GET', '/docs/');
      expect(page.status).toBe(200);
      expect(page.text).toContain('swagger');

      const missing = await call(base, 'GET', '/v2/nothing');
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ error: 'not_found' });
    });

    it('sets security headers and request ids, and keeps CORS off by default', async () => {
      const r = await call(base, 'GET', '/health', {
        headers: { origin: 'https://example.org', 'x-request-id': 'abc-123' },
      });
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-request-id')).toBe('abc-123');
      expect(r.headers.get('access-control-allow-origin')).toBeNull();

      const withCors = await s.api({ settings: { corsOrigins: ['https://example.org'] } });
      const c = await call(withCors.url, 'GET', '/health', { headers: { origin: 'https://example.org' } });
      expect(c.headers.get('access-control-allow-origin')).toBe('https://example.org');
    });

    it('drains requests in flight on close: their events are acknowledged before it returns', async () => {
      let entered!: () => void;
      const inProduce = new Promise<void>((resolve) => (entered = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const gated: RecordProducer = {
        async produce(topic, records) {
          entered();
          await released;
          return s.producer.produce(topic, records);
        },
        tombstone: (topic, key) => s.producer.tombstone(topic, key),
      };
      const draining = await s.api({ deps: { producer: gated } });
      const pending = call(draining.url, 'POST', '/v1/events', {
        body: { user_id: uid('drain'), item_id: iid('drain'), event_type: 'view' },
      });
      await inProduce;
      const closing = draining.close();
      // Once closing, the server takes no new work: a new request is refused or answered 503.
      await until('the server refusing new requests', async () => {
        const r = await fetch(`${draining.url}/health`).then(
          (x) => x.status,
          () => 0,
        );
        return r === 0 || r === 503 ? true : undefined;
      });
      release();
      const r = await pending;
      expect(r.status).toBe(202);
      expect(r.body).toEqual({ accepted: 1, rejected: [] });
      await closing;
    });

    it('answers 503 for lookups and reports Redis down while it is unreachable, and recovers', async () => {
      await s.stack.stopRedis();
      try {
        await until('the client to notice', async () => (s.redis.status !== 'ready' ? true : undefined));
        const lookup = await call(base, 'GET', `/v1/features/users/${uid(1)}`);
        expect(lookup.status).toBe(503);
        expect(lookup.body).toMatchObject({ error: 'unavailable' });
        expect(String(lookup.body.reason)).toContain('Redis');
        const ready = await call<{ status: string; dependencies: { name: string; status: string }[] }>(
          base,
          'GET',
          '/ready',
        );
        expect(ready.status).toBe(503);
        expect(ready.body.dependencies.find((d) => d.name === 'redis')?.status).toBe('down');
      } finally {
        await s.stack.restartRedis();
      }
      await until('lookups to work again', async () => {
        // 200 in a full run; 404 when this test runs alone (no events posted): either way, served.
        const r = await call(base, 'GET', `/v1/features/users/${uid(1)}`);
        return r.status === 200 || r.status === 404 ? true : undefined;
      });
    });

    it('rate-limits per client and never leaks a stack trace on a 500', async () => {
      const limited = await s.api({ settings: { rateLimit: { max: 3, timeWindowMs: 60_000 } } });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await call(limited.url, 'GET', '/v1/schemas')).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses[4]).toBe(429);
      expect((await call(limited.url, 'GET', '/health')).status).toBe(200);

      const failing = await s.api({
        deps: {
          features: {
            ...s.features,
            readUserValues: () => Promise.reject(new Error('secret internal detail')),
          },
        },
      });
      const r = await call(failing.url, 'GET', `/v1/features/users/${uid(1)}`);
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ error: 'internal_error', field: null });
      expect(r.text).not.toContain('secret internal detail');
      expect(r.text).not.toContain('.ts:');
      expect(String(r.body.reason)).toContain(r.headers.get('x-request-id')!);
    });
  });
});

/** A training run record with the fields the routes show. */
function trainingRun(id: string, status: string): TrainingRun {
  return {
    run_id: id,
    trigger: 'manual',
    status,
    feature_version: 'v1',
    snapshot_offsets: [{ topic: 'user-features.v1', partition: 0, offset: 10 }],
    snapshot_clock: 1,
    protocol: 'temporal',
    seed: 1,
    data_sizes: { interactions: 10 },
    params: {},
    metrics: [{ model: 'als', split: 'test', metric: 'ndcg@10', value: 0.1 }],
    durations_ms: {},
    served_model: null,
    promoted: false,
    promotion_reason: null,
    artifact_path: null,
    artifact_checksum: null,
    error: null,
    started_at: 1,
    finished_at: null,
  };
}

/** The value of the last message with `key` on `topic` (null for a tombstone), read raw. */
async function lastMessageOf(s: ApiStack, topic: string, key: string): Promise<Buffer | null | undefined> {
  const admin = s.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  const consumer = s.kafka.consumer({
    groupId: `api-test-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  let last: Buffer | null | undefined;
  const positions = new Map<number, number>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) if (m.key?.toString() === key) last = m.value;
      positions.set(batch.partition, Number(batch.lastOffset()) + 1);
    },
  });
  await until(`${topic} read to the end`, async () =>
    ends.every((e) => Number(e.high) <= Number(e.low) || (positions.get(e.partition) ?? 0) >= Number(e.high))
      ? true
      : undefined,
  );
  await consumer.disconnect();
  await admin.disconnect();
  return last;
}
