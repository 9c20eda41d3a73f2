import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../lib/logger.js';
import type { CommittedOffset } from './types.js';

/**
 * Committed group offsets, durable across kill -9: every change is appended as one JSON line to
 * `offsets.log` and fdatasync'ed before the commit is acknowledged. Concurrent commits share one
 * write and one sync. On open the file is replayed (a torn last line is dropped: a prefix of a
 * JSON object never parses) and rewritten compacted, latest value per key only.
 */
type Entry =
  | { g: string; t: string; p: number; o: number; e: number; m: string; ts: number }
  | { g: string; t: string; p: number; del: true }
  | { g: string; delGroup: true }
  | { t: string; delTopic: true };

const FILE = 'offsets.log';

export class OffsetStore {
  private readonly groups = new Map<
    string,
    Map<string, CommittedOffset & { topic: string; partition: number }>
  >();
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private draining: Promise<void> | null = null;

  private constructor(
    private readonly dir: string,
    private file: FileHandle,
    private readonly sync: boolean,
    private readonly logger: Logger,
  ) {}

  static async open(opts: { dir: string; fsync: boolean; logger: Logger }): Promise<OffsetStore> {
    await mkdir(opts.dir, { recursive: true });
    const path = join(opts.dir, FILE);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const tmpPath = `${path}.tmp`;
    const tmp = await open(tmpPath, 'w');
    const store = new OffsetStore(opts.dir, tmp, opts.fsync, opts.logger);
    const lines = text.split('\n');
    // The last element is what follows the final newline: empty, or a torn line.
    if (lines[lines.length - 1] !== '')
      opts.logger.warn({ bytes: lines[lines.length - 1]!.length }, 'dropping torn tail of the offsets file');
    let replayed = 0;
    for (const line of lines.slice(0, -1)) {
      try {
        store.apply(JSON.parse(line) as Entry);
        replayed++;
      } catch {
        opts.logger.warn('skipping an unreadable line of the offsets file');
      }
    }
    const compacted = store.snapshotLines();
    await tmp.writeFile(compacted.join(''));
    await tmp.datasync();
    await rename(tmpPath, path);
    await tmp.close();
    store.file = await open(path, 'a');
    opts.logger.info({ replayed, kept: compacted.length }, 'group offsets loaded');
    return store;
  }

  private apply(entry: Entry): void {
    if ('delTopic' in entry) {
      for (const offsets of this.groups.values()) {
        for (const [k, v] of offsets) if (v.topic === entry.t) offsets.delete(k);
      }
    } else if ('delGroup' in entry) {
      this.groups.delete(entry.g);
    } else if ('del' in entry) {
      this.groups.get(entry.g)?.delete(`${entry.t}\0${entry.p}`);
    } else {
      let offsets = this.groups.get(entry.g);
      if (!offsets) this.groups.set(entry.g, (offsets = new Map()));
      offsets.set(`${entry.t}\0${entry.p}`, {
        topic: entry.t,
        partition: entry.p,
        offset: entry.o,
        leaderEpoch: entry.e,
        metadata: entry.m,
        commitTimestamp: entry.ts,
      });
    }
  }

  private snapshotLines(): string[] {
    const lines: string[] = [];
    for (const [g, offsets] of this.groups) {
      for (const v of offsets.values()) {
        const e: Entry = {
          g,
          t: v.topic,
          p: v.partition,
          o: v.offset,
          e: v.leaderEpoch,
          m: v.metadata,
          ts: v.commitTimestamp,
        };
        lines.push(JSON.stringify(e) + '\n');
      }
    }
    return lines;
  }

  /** Applies the entries now and resolves once they are on disk. */
  private record(entries: Entry[]): Promise<void> {
    for (const e of entries) {
      this.apply(e);
      this.pending.push(JSON.stringify(e) + '\n');
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.drain();
    });
  }

  /** Writes pending lines until none are left; one run at a time. */
  private drain(): void {
    if (this.draining) return;
    this.draining = this.writePending().finally(() => {
      this.draining = null;
      // Lines recorded after the loop saw an empty queue but before this ran.
      if (this.pending.length > 0) this.drain();
    });
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      const lines = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await this.file.write(lines.join(''));
        if (this.sync) await this.file.datasync();
        for (const w of waiters) w.resolve();
      } catch (e) {
        this.logger.error({ err: e, dir: this.dir }, 'writing group offsets failed');
        for (const w of waiters) w.reject(e as Error);
      }
    }
  }

  commit(
    groupId: string,
    offsets: { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }[],
    now: number,
  ): Promise<void> {
    return this.record(
      offsets.map((o) => ({
        g: groupId,
        t: o.topic,
        p: o.partition,
        o: o.offset,
        e: o.leaderEpoch,
        m: o.metadata,
        ts: now,
      })),
    );
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(groupId)?.get(`${topic}\0${partition}`);
  }

  /** Every committed offset of a group. */
  all(groupId: string): (CommittedOffset & { topic: string; partition: number })[] {
    return [...(this.groups.get(groupId)?.values() ?? [])];
  }

  groupIds(): string[] {
    return [...this.groups.keys()].filter((g) => (this.groups.get(g)?.size ?? 0) > 0);
  }

  hasGroup(groupId: string): boolean {
    return (this.groups.get(groupId)?.size ?? 0) > 0;
  }

  deleteGroup(groupId: string): Promise<void> {
    return this.record([{ g: groupId, delGroup: true }]);
  }

  deleteTopic(topic: string): Promise<void> {
    return this.record([{ t: topic, delTopic: true }]);
  }

  async close(): Promise<void> {
    while (this.draining) await this.draining;
    await this.file.close();
  }
}
