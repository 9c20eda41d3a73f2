import { DeliveryProgress, type LogEntry, type LogRecord, type RegistryLog } from './log.js';

/**
 * A compacted single-partition topic in memory. Several MemoryRegistryLog views on one topic
 * behave like several registries on one broker: each receives the records asynchronously, in
 * offset order, so their writes can interleave the way they do over the network.
 */
export class MemoryTopic {
  /** Sparse after compaction: offsets never change, removed records leave holes. */
  readonly records: LogRecord[] = [];
  private nextOffset = 0;
  private readonly listeners = new Set<() => void>();

  append(entries: LogEntry[]): number {
    for (const e of entries) this.records.push({ offset: this.nextOffset++, key: e.key, value: e.value });
    for (const wake of this.listeners) wake();
    return this.nextOffset - 1;
  }

  get lastOffset(): number {
    return this.nextOffset - 1;
  }

  /** Kafka log compaction: keeps the latest record of every key, and drops tombstones too. */
  compact(options: { dropTombstones: boolean } = { dropTombstones: true }): void {
    const latest = new Map<string, number>();
    for (const r of this.records) latest.set(r.key, r.offset);
    const kept = this.records.filter(
      (r) => latest.get(r.key) === r.offset && (r.value !== null || !options.dropTombstones),
    );
    this.records.splice(0, this.records.length, ...kept);
  }

  subscribe(wake: () => void): () => void {
    this.listeners.add(wake);
    return () => this.listeners.delete(wake);
  }
}

export class MemoryRegistryLog implements RegistryLog {
  private readonly progress = new DeliveryProgress();
  private unsubscribe: (() => void) | undefined;
  private onRecord: ((r: LogRecord) => void) | undefined;
  private scheduled = false;

  constructor(readonly topic: MemoryTopic = new MemoryTopic()) {}

  async open(onRecord: (record: LogRecord) => void): Promise<void> {
    this.onRecord = onRecord;
    this.unsubscribe = this.topic.subscribe(() => this.schedule());
    const end = this.topic.lastOffset;
    this.schedule();
    await this.progress.waitFor(end, 10_000, 'memory log open');
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.onRecord) return;
    for (const r of this.topic.records) {
      if (r.offset > this.progress.offset) {
        this.onRecord(r);
        this.progress.advance(r.offset);
      }
    }
    // Offsets removed by compaction at the end still count as read.
    this.progress.advance(this.topic.lastOffset);
  }

  async append(entries: LogEntry[]): Promise<number> {
    // Land on the topic a moment later, as a write over the network does: another view may
    // decide on the old end meanwhile (the race the registry must settle).
    await new Promise((resolve) => setImmediate(resolve));
    return this.topic.append(entries);
  }

  async lastOffset(): Promise<number> {
    return this.topic.lastOffset;
  }

  waitFor(offset: number, timeoutMs: number): Promise<void> {
    return this.progress.waitFor(offset, timeoutMs, 'memory log');
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.onRecord = undefined;
  }
}
