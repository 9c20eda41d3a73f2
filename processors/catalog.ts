import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../lib/logger.js';
import type { AvroSerde } from '../schemas/serde.js';
import { TOPIC } from '../topology/topics.js';
import type { CatalogJoin } from './features/apply.js';

/**
 * The item catalog as an in-memory table (a stream–table join): every processor instance reads
 * the whole compacted `items` topic — all partitions, from the beginning, under a consumer group
 * of its own that never commits — and keeps the latest category and price per item. Before each
 * batch the user processor calls `catchUp()`, which waits until the table has read up to the
 * topic's end offsets as of that moment, so an event is joined with every catalog record written
 * before it was processed (docs/FEATURES.md).
 */

export interface ItemCatalogOptions {
  kafka: Kafka;
  serde: AvroSerde;
  logger: Logger;
  topic?: string;
  /** Longest wait for a partition that does not reach its end offset (a compacted-away tail). */
  catchUpTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ItemCatalog {
  private readonly entries = new Map<string, CatalogJoin>();
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, number>();
  private readonly topic: string;
  private readonly log: Logger;
  private readonly groupId: string;
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private undecodable = 0;
  private topicMissingLogged = false;

  constructor(private readonly opts: ItemCatalogOptions) {
    this.topic = opts.topic ?? TOPIC.items;
    this.log = opts.logger.child({ part: 'item-catalog' });
    // A group of its own per instance: every instance must receive every partition.
    this.groupId = `recostream.catalog.${os.hostname()}.${process.pid}.${randomBytes(4).toString('hex')}`;
  }

  get size(): number {
    return this.entries.size;
  }

  lookup(itemId: string): CatalogJoin | undefined {
    return this.entries.get(itemId);
  }

  async start(): Promise<void> {
    this.admin = this.opts.kafka.admin();
    await this.admin.connect();
    const consumer = this.opts.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.log.error(
        { err: e.payload.error.message, restart: e.payload.restart },
        'catalog consumer crashed',
      );
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const key = m.key?.toString('utf8');
          if (m.value === null) {
            if (key !== undefined) this.entries.delete(key);
            continue;
          }
          try {
            const item = await this.opts.serde.decode('Item', m.value);
            this.entries.set(item.item_id, { category: item.category, price: item.price });
          } catch (err) {
            // Rejected input is dead-lettered where it enters (replay, API); here it is only noted.
            this.undecodable++;
            this.log.warn(
              {
                partition: batch.partition,
                offset: m.offset,
                err: (err as Error).message,
                undecodable: this.undecodable,
              },
              'catalog record could not be decoded; item left unchanged',
            );
          }
        }
        const next = Number(batch.lastOffset()) + 1;
        if (next > (this.positions.get(batch.partition) ?? 0)) this.positions.set(batch.partition, next);
      },
    });
  }

  /**
   * Waits until every partition has been read up to its end offset as of now. With
   * `keepAlive` (the consumer group heartbeat of the caller) called while waiting.
   */
  async catchUp(keepAlive?: () => Promise<void>): Promise<void> {
    if (!this.admin) throw new Error('ItemCatalog.catchUp before start');
    let ends: { partition: number; high: string; low: string }[];
    try {
      ends = await this.admin.fetchTopicOffsets(this.topic);
    } catch (err) {
      if (!this.topicMissingLogged) {
        this.log.warn(
          { err: (err as Error).message },
          'items topic not readable; joining with an empty catalog',
        );
        this.topicMissingLogged = true;
      }
      return;
    }
    const timeout = this.opts.catchUpTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeout;
    let lastKeepAlive = Date.now();
    for (;;) {
      const behind = ends.filter((e) => {
        const high = Number(e.high);
        return high > Number(e.low) && (this.positions.get(e.partition) ?? 0) < high;
      });
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        // Only a partition whose last records were removed (DeleteRecords, a compacted tail) can
        // stay below its end: treat it as read to that end from now on.
        this.log.warn(
          { partitions: behind.map((e) => e.partition), timeout },
          'catalog did not reach the end offsets; continuing',
        );
        for (const e of behind) this.positions.set(e.partition, Number(e.high));
        return;
      }
      if (keepAlive && Date.now() - lastKeepAlive > 1000) {
        await keepAlive();
        lastKeepAlive = Date.now();
      }
      await sleep(5);
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    if (this.admin) {
      // The group has no offsets; removing it keeps the broker's group list clean.
      await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
      await this.admin.disconnect().catch(() => undefined);
    }
    this.consumer = null;
    this.admin = null;
  }
}
