import type { DeadLetter } from '../../schemas/types.js';
import type { TableName } from './tables.js';

export interface CommitOffset {
  topic: string;
  partition: number;
  /** The next offset to read (last stored + 1), as Kafka commits it. */
  offset: string;
}

/**
 * What the sink has read but not yet stored: rows per table, the dead letters it still has to
 * publish, and for each topic partition the offset to commit once both are done. A flush that
 * fails half-way removes what it completed (a table inserted, the dead letters published), so a
 * retry does not repeat it.
 */
export class PendingBatch {
  readonly rows = new Map<TableName, object[]>();
  deadLetters: DeadLetter[] = [];
  private readonly next = new Map<string, CommitOffset>();

  addRow(table: TableName, row: object): void {
    let rows = this.rows.get(table);
    if (!rows) this.rows.set(table, (rows = []));
    rows.push(row);
  }

  addDeadLetter(deadLetter: DeadLetter): void {
    this.deadLetters.push(deadLetter);
  }

  /** Marks `offset` of the partition as handled (stored, dead-lettered or skipped). */
  advance(topic: string, partition: number, offset: string): void {
    const key = `${topic}\u0000${partition}`;
    const candidate = (BigInt(offset) + 1n).toString();
    const current = this.next.get(key);
    if (!current || BigInt(candidate) > BigInt(current.offset))
      this.next.set(key, { topic, partition, offset: candidate });
  }

  get rowCount(): number {
    let n = 0;
    for (const rows of this.rows.values()) n += rows.length;
    return n;
  }

  isEmpty(): boolean {
    return this.rows.size === 0 && this.deadLetters.length === 0 && this.next.size === 0;
  }

  commits(): CommitOffset[] {
    return [...this.next.values()];
  }
}
