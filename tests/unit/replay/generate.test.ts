import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GenerateResult } from '../../../replay/generate/index.js';
import { replayFile } from '../../../replay/index.js';

async function tmp(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'generate-'));
}

function rows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

const OPTIONS = { users: 300, items: 500, interactions: 20_000, seed: 11 };

describe('generate', () => {
  let a: GenerateResult;
  let interactions: string[][];

  beforeAll(async () => {
    a = await generateDataset({ ...OPTIONS, outDir: await tmp() });
    interactions = rows(await readFile(a.files.interactions, 'utf8'));
  });

  it('is byte-for-byte deterministic for a seed, and differs for another seed', async () => {
    const b = await generateDataset({ ...OPTIONS, outDir: await tmp() });
    for (const f of ['items', 'users', 'interactions'] as const) {
      expect((await readFile(b.files[f])).equals(await readFile(a.files[f])), f).toBe(true);
    }
    const c = await generateDataset({ ...OPTIONS, seed: 12, outDir: await tmp() });
    expect((await readFile(c.files.interactions)).equals(await readFile(a.files.interactions))).toBe(false);
  });

  it('writes the documented columns and the requested row counts', async () => {
    const header = (f: string): Promise<string> => readFile(f, 'utf8').then((t) => t.split('\n')[0]!);
    expect(await header(a.files.items)).toBe('item_id,title,category,subcategory,brand,price,is_active');
    expect(await header(a.files.users)).toBe('user_id,age,gender,location,device,customer_segment,join_date');
    expect(await header(a.files.interactions)).toBe(
      'event_id,user_id,item_id,event_type,rating,event_time,session_id,device_type,page_context,price',
    );
    expect(a.rows).toEqual({ items: 500, users: 300, interactions: 20_000 });
    expect(interactions).toHaveLength(20_000);
  });

  it('puts every event in the window, in time order, ending at the seed-derived reference time', () => {
    const times = interactions.map((r) => Date.parse(r[5]!));
    const start = Date.parse(a.window.start);
    const end = Date.parse(a.window.end);
    expect(end - start).toBe(90 * 86_400_000);
    expect(a.window.end).toBe(new Date(Date.UTC(2025, 0, 1) + 11 * 86_400_000).toISOString());
    expect(times.every((t) => t >= start && t <= end)).toBe(true);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  it('gives items Zipf popularity: the top 20% of items take most views', () => {
    const views = new Map<string, number>();
    for (const r of interactions) if (r[3] === 'view') views.set(r[2]!, (views.get(r[2]!) ?? 0) + 1);
    const counts = [...views.values()].sort((x, y) => y - x);
    const total = counts.reduce((s, n) => s + n, 0);
    const top = counts.slice(0, Math.ceil(OPTIONS.items * 0.2)).reduce((s, n) => s + n, 0);
    expect(top / total).toBeGreaterThan(0.6);
  });

  it('skews user activity: the busiest 10% of users have several times their share', () => {
    const perUser = new Map<string, number>();
    for (const r of interactions) perUser.set(r[1]!, (perUser.get(r[1]!) ?? 0) + 1);
    const counts = [...perUser.values()].sort((x, y) => y - x);
    const top = counts.slice(0, Math.ceil(OPTIONS.users * 0.1)).reduce((s, n) => s + n, 0);
    expect(top / interactions.length).toBeGreaterThan(0.25);
  });

  it('runs sessions down the funnel, with ratings 1–5 only on rate events', () => {
    const n = (type: string): number => interactions.filter((r) => r[3] === type).length;
    expect(n('view')).toBeGreaterThan(n('click'));
    expect(n('click')).toBeGreaterThan(n('add_to_cart'));
    expect(n('add_to_cart')).toBeGreaterThan(n('purchase'));
    expect(n('purchase')).toBeGreaterThan(n('rate'));
    expect(n('rate')).toBeGreaterThan(0);
    for (const r of interactions) {
      if (r[3] === 'rate') expect(Number(r[4])).toBeGreaterThanOrEqual(1);
      else expect(r[4]).toBe('');
    }
    // A purchase follows an add_to_cart of the same item in the same session.
    const carted = new Set(interactions.filter((r) => r[3] === 'add_to_cart').map((r) => `${r[6]}|${r[2]}`));
    expect(interactions.filter((r) => r[3] === 'purchase').every((r) => carted.has(`${r[6]}|${r[2]}`))).toBe(
      true,
    );
  });

  it('writes files that replay without a single rejection', async () => {
    for (const [kind, f] of [
      ['items', a.files.items],
      ['users', a.files.users],
      ['interactions', a.files.interactions],
    ] as const) {
      const { report } = await replayFile({ kind, input: f, dryRun: true });
      expect([kind, report.rejected, report.duplicates]).toEqual([kind, 0, 0]);
    }
  });

  it('with --dirty, replaces about that fraction of rows with bad ones', async () => {
    const d = await generateDataset({ ...OPTIONS, dirty: 0.1, outDir: await tmp() });
    const { report } = await replayFile({ kind: 'interactions', input: d.files.interactions, dryRun: true });
    const bad = (report.rejected + report.duplicates) / report.rows_read;
    expect(bad).toBeGreaterThan(0.07);
    expect(bad).toBeLessThan(0.13);
    const codes = new Set(report.rejected_by_reason.map((r) => r.code));
    for (const code of [
      'required',
      'unknown_event_type',
      'out_of_range',
      'invalid_timestamp',
      'future_timestamp',
    ]) {
      expect(codes.has(code as never), code).toBe(true);
    }
    expect(report.duplicates).toBeGreaterThan(0);
  });
});
