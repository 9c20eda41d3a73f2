import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT, replayFile } from '../../../replay/index.js';
import type { DeadLetter, Interaction, Item } from '../../../schemas/types.js';
import { MemorySink } from './memory-sink.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'replay-unit-'));
});

async function file(name: string, text: string): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
}

const BAD = [
  'event_id,user_id,item_id,event_type,rating,timestamp',
  'e1,u1,i1,view,,2024-05-01T10:00:00Z', // 2 ok
  'e2,,i1,view,,2024-05-01T10:00:00Z', // 3 missing user
  'e3,u1,i1,teleport,,2024-05-01T10:00:00Z', // 4 unknown type
  'e4,u1,i1,rate,9,2024-05-01T10:00:00Z', // 5 rating out of range
  'e5,u1,i1,view,,yesterday', // 6 bad time
  'e1,u2,i2,click,,2024-05-01T11:00:00Z', // 7 duplicate event id
  'e6,u1,i1,view', // 8 wrong column count
  'e7,u2,i3,purchase,,1714557600', // 9 ok, epoch seconds
].join('\n');

describe('replayFile', () => {
  it('counts every row exactly once: rows read = accepted + rejected + duplicates', async () => {
    const sink = new MemorySink();
    const result = await replayFile({ kind: 'interactions', input: await file('bad.csv', BAD), sink });
    const r = result.report;
    expect([r.rows_read, r.accepted, r.rejected, r.duplicates]).toEqual([8, 2, 5, 1]);
    expect(r.rows_read).toBe(r.accepted + r.rejected + r.duplicates);
    expect(r.duplicate_example_lines).toEqual([7]);
    expect(result.exitCode).toBe(EXIT.ok);
    expect(sink.records<Interaction>('interactions').map((e) => e.event_id)).toEqual(['e1', 'e7']);
  });

  it('reports every rejection reason with its line, and writes a dead letter for each', async () => {
    const sink = new MemorySink();
    const { report } = await replayFile({ kind: 'interactions', input: await file('bad2.csv', BAD), sink });
    const byLine = Object.fromEntries(
      report.rejected_by_reason.flatMap((r) => r.example_lines.map((l) => [l, `${r.field}:${r.code}`])),
    );
    expect(byLine).toEqual({
      3: 'user_id:required',
      4: 'event_type:unknown_event_type',
      5: 'rating:out_of_range',
      6: 'event_time:invalid_timestamp',
      8: 'null:malformed_csv',
    });
    const letters = sink.records<DeadLetter>('dead-letters');
    expect(letters.map((d) => d.line)).toEqual([3, 4, 5, 6, 8]);
    const rating = letters.find((d) => d.line === 5)!;
    expect(rating).toMatchObject({
      source: 'replay:bad2.csv',
      field: 'rating',
      reason: 'rating 9 is outside 1.0–5.0',
      file: path.join(dir, 'bad2.csv'),
    });
    expect(rating.raw.toString()).toBe('e4,u1,i1,rate,9,2024-05-01T10:00:00Z');
    expect(report.dead_letters).toBe(5);
  });

  it('fills the report: null counts, time range, distinct ids, unknown columns, score', async () => {
    const text = 'user_id,item_id,rating,timestamp,comment\nu1,i1,4,1714557600,\nu2,i1,5,1714644000,nice\n';
    const { report } = await replayFile({
      kind: 'interactions',
      input: await file('ratings.csv', text),
      dryRun: true,
    });
    expect(report.null_counts).toEqual({ user_id: 0, item_id: 0, rating: 0, timestamp: 0, comment: 1 });
    expect(report.unknown_columns).toEqual(['comment']);
    expect(report.event_time_range).toEqual({
      first: '2024-05-01T10:00:00.000Z',
      last: '2024-05-02T10:00:00.000Z',
    });
    expect([report.distinct_users, report.distinct_items]).toEqual([2, 1]);
    // Every row valid, unique, and the mapped columns complete (the ignored column does not count).
    expect(report.quality.score).toBe(100);
    expect(report.status).toBe('dry_run');
  });

  it('produces nothing on a dry run', async () => {
    const sink = new MemorySink();
    await replayFile({ kind: 'interactions', input: await file('dry.csv', BAD), dryRun: true, sink });
    expect(sink.topics.size).toBe(0);
    expect(sink.manifestLog).toHaveLength(0);
  });

  it('refuses a second replay of the same content unless forced, and records manifests', async () => {
    const sink = new MemorySink();
    const p = await file('once.csv', BAD);
    const first = await replayFile({ kind: 'interactions', input: p, sink });
    expect(first.manifest).toMatchObject({
      status: 'completed',
      rows_read: 8,
      accepted: 2,
      kind: 'interactions',
    });
    const second = await replayFile({ kind: 'interactions', input: p, sink });
    expect(second.status).toBe('already_replayed');
    expect(second.exitCode).toBe(EXIT.alreadyReplayed);
    expect(second.message).toMatch(/already replayed as interactions .*--force/);
    expect(sink.records('interactions')).toHaveLength(2);
    const forced = await replayFile({ kind: 'interactions', input: p, sink, force: true });
    expect(forced.status).toBe('completed');
    expect(forced.manifest!.forced).toBe(true);
    expect(sink.records('interactions')).toHaveLength(4);
    // The same content as another kind is another replay.
    const asItems = await replayFile({ kind: 'items', input: p, sink });
    expect(asItems.status).toBe('completed');
  });

  it('with --min-quality, validates the whole file and produces nothing below the threshold', async () => {
    const sink = new MemorySink();
    const result = await replayFile({
      kind: 'interactions',
      input: await file('low.csv', BAD),
      sink,
      minQuality: 90,
    });
    expect(result.status).toBe('below_min_quality');
    expect(result.exitCode).toBe(EXIT.belowMinQuality);
    expect(result.message).toMatch(/below --min-quality 90; nothing was produced/);
    expect(sink.topics.size).toBe(0);
    expect(sink.manifestLog).toHaveLength(0);
    const ok = await replayFile({
      kind: 'interactions',
      input: await file('low2.csv', BAD),
      sink,
      minQuality: 10,
    });
    expect(ok.status).toBe('completed');
  });

  it('on a dry run, --min-quality says whether the file would pass (exit 2 when not)', async () => {
    const low = await replayFile({
      kind: 'interactions',
      input: await file('dry-low.csv', BAD),
      dryRun: true,
      minQuality: 90,
    });
    expect([low.status, low.exitCode]).toEqual(['below_min_quality', EXIT.belowMinQuality]);
    expect(low.message).toMatch(/a replay would produce nothing/);
    const fine = await replayFile({
      kind: 'interactions',
      input: await file('dry-ok.csv', BAD),
      dryRun: true,
      minQuality: 10,
    });
    expect([fine.status, fine.exitCode]).toEqual(['dry_run', EXIT.ok]);
  });

  it('stops at a batch boundary when aborted, with counts that still add up', async () => {
    const rows = ['user_id,item_id,event_type,timestamp'];
    for (let i = 0; i < 20_000; i++) rows.push(`u${i % 50},i${i % 70},view,${1714557600 + i}`);
    const sink = new MemorySink();
    const controller = new AbortController();
    const result = await replayFile({
      kind: 'interactions',
      input: await file('long.csv', rows.join('\n')),
      sink,
      batchSize: 1000,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rowsRead >= 4000) controller.abort();
      },
    });
    expect(result.status).toBe('interrupted');
    expect(result.exitCode).toBe(EXIT.interrupted);
    const r = result.report;
    expect(r.rows_read).toBeLessThan(20_000);
    expect(r.rows_read).toBe(r.accepted + r.rejected + r.duplicates);
    expect(sink.records('interactions')).toHaveLength(r.accepted);
    expect(r.produced).toBe(r.accepted);
    expect(result.message).toMatch(/Interrupted after line \d+/);
    // An interrupted replay does not block running it again.
    expect(sink.manifestLog.at(-1)!.status).toBe('interrupted');
    const again = await replayFile({ kind: 'interactions', input: path.join(dir, 'long.csv'), sink });
    expect(again.status).toBe('completed');
  });

  it('moves a record the broker refuses from accepted to rejected, with a dead letter', async () => {
    const sink = new MemorySink();
    sink.refuse = (r) => ((r as Interaction).user_id === 'u2' ? 'record too large' : null);
    const { report } = await replayFile({
      kind: 'interactions',
      input: await file('refused.csv', BAD),
      sink,
    });
    expect([report.accepted, report.rejected, report.produced]).toEqual([1, 6, 1]);
    expect(report.rejected_by_reason.find((r) => r.code === 'produce_failed')!.example_lines).toEqual([9]);
    expect(sink.records<DeadLetter>('dead-letters').some((d) => d.line === 9)).toBe(true);
  });

  it('replays a stream (an upload) and computes its checksum while reading', async () => {
    const sink = new MemorySink();
    const input = Readable.from([Buffer.from('item_id,name,price\n1,Lamp,10\n2,Desk,99\n')]);
    const result = await replayFile({ kind: 'items', input, name: 'upload.csv', sink });
    expect(sink.records<Item>('items').map((i) => [i.item_id, i.title, i.source])).toEqual([
      ['1', 'Lamp', 'replay:upload.csv'],
      ['2', 'Desk', 'replay:upload.csv'],
    ]);
    expect(result.manifest!.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses --min-quality on a stream', async () => {
    await expect(
      replayFile({ kind: 'items', input: Readable.from([]), sink: new MemorySink(), minQuality: 50 }),
    ).rejects.toThrow(/needs a file path/);
  });
});
