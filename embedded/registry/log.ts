/**
 * Where the registry keeps its records: an append-only, single-partition log with compaction,
 * i.e. the `_schemas` topic. The Kafka implementation is kafka-log.ts; memory-log.ts is the
 * same contract in memory (unit tests, and a registry that needs no broker).
 */
export interface LogEntry {
  key: string;
  /** null: a tombstone. */
  value: string | null;
}

export interface LogRecord extends LogEntry {
  offset: number;
}

export interface RegistryLog {
  /**
   * Starts delivering every record from the beginning, in offset order, to `onRecord`, and keeps
   * delivering new ones; resolves once the records present at the call have been delivered.
   */
  open(onRecord: (record: LogRecord) => void): Promise<void>;
  /** Appends the entries (in order, durably); resolves with the offset of the last one. */
  append(entries: LogEntry[]): Promise<number>;
  /** The offset of the last record currently in the log (-1 when empty). */
  lastOffset(): Promise<number>;
  /** Resolves once every record up to and including `offset` has been delivered. */
  waitFor(offset: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by `waitFor` when the records do not arrive in time. */
export class LogTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogTimeoutError';
  }
}

/**
 * Tracks how far delivery has got and wakes `waitFor` callers; shared by the implementations.
 */
export class DeliveryProgress {
  private delivered = -1;
  private waiters: { offset: number; resolve: () => void }[] = [];

  get offset(): number {
    return this.delivered;
  }

  advance(offset: number): void {
    if (offset <= this.delivered) return;
    this.delivered = offset;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.offset <= offset) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  waitFor(offset: number, timeoutMs: number, what: string): Promise<void> {
    if (offset <= this.delivered) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        offset,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new LogTimeoutError(
            `${what}: record at offset ${offset} not read back within ${timeoutMs} ms (read up to ${this.delivered})`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
