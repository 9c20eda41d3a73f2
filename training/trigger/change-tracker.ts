import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../lib/logger.js';
import { itemFeaturesTopic, userFeaturesTopic } from '../../topology/topics.js';
import type { EndOffsets } from '../snapshot/offsets.js';

/**
 * Counts the users and items whose features changed since the last run: a consumer (group
 * `recostream-trainer.<version>`) tails `user-features.<v>` and `item-features.<v>` and remembers
 * each changed key with the offset of its newest record. Changes are counted from a baseline —
 * the end offsets of the last successful run's snapshot — so the count is exact across restarts:
 * the consumer starts each partition at the baseline (committing it), and records below it are
 * ignored. When a run succeeds, `advance(snapshotEnds)` forgets the keys that run saw; keys
 * changed while it ran (at or past its snapshot's offsets) still count toward the next one.
 */

export interface ChangeTrackerOptions {
  kafka: Kafka;
  admin: Admin;
  logger: Logger;
  featureVersion: string;
  /** The last successful run's snapshot offsets; unset: every key ever written counts. */
  baseline?: EndOffsets;
  /** Called after each batch of changes (the trainer evaluates its policy then). */
  onChange?: () => void;
  now?: () => number;
}

export function trainerGroupId(featureVersion: string): string {
  return `recostream-trainer.${featureVersion}`;
}

interface ChangedKey {
  topic: string;
  partition: number;
  offset: number;
}

export class ChangeTracker {
  private readonly changed = new Map<string, ChangedKey>();
  private readonly baseline: EndOffsets = new Map();
  private readonly topics: [string, string];
  private readonly log: Logger;
  private consumer: Consumer | null = null;
  private lastChange: number | null = null;
  /** Set while kafkajs restarts a crashed consumer (or after it gave up): nothing is counted then. */
  private consumerError: string | null = null;

  constructor(private readonly opts: ChangeTrackerOptions) {
    this.topics = [userFeaturesTopic(opts.featureVersion), itemFeaturesTopic(opts.featureVersion)];
    this.log = opts.logger.child({ part: 'change-tracker', version: opts.featureVersion });
    for (const topic of this.topics) {
      const ends = opts.baseline?.get(topic);
      if (ends) this.baseline.set(topic, new Map(ends));
    }
  }

  get featureVersion(): string {
    return this.opts.featureVersion;
  }

  /** Distinct users + items changed since the baseline. */
  get changedEntities(): number {
    return this.changed.size;
  }

  /** When the newest change was consumed (the trainer's clock), or null. */
  get lastChangeAt(): number | null {
    return this.lastChange;
  }

  get running(): boolean {
    return this.consumer !== null;
  }

  /** Why the consumer is not consuming although started (crashed, restarting), or null. */
  get error(): string | null {
    return this.consumerError;
  }

  /** Positions the group at the baseline and starts consuming; throws when a topic is missing. */
  async start(): Promise<void> {
    const groupId = trainerGroupId(this.opts.featureVersion);
    const existing = new Set(await this.opts.admin.listTopics());
    const missing = this.topics.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new Error(`feature topic(s) ${missing.join(', ')} do not exist yet`);
    // Where each partition starts: at the baseline, else at the log start (every key counts).
    const starts: { topic: string; partition: number; offset: string }[] = [];
    for (const topic of this.topics) {
      const ends = this.baseline.get(topic);
      for (const p of await this.opts.admin.fetchTopicOffsets(topic)) {
        starts.push({ topic, partition: p.partition, offset: String(ends?.get(p.partition) ?? p.low) });
      }
    }
    const consumer = this.opts.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload;
      this.consumerError = `Kafka consumer ${restart ? 'restarting after' : 'stopped by'}: ${error.message}`;
      this.log.error({ err: error.message, restart }, 'change tracker consumer crashed');
      // Not running any more: the trainer's next check starts a new tracker from the baseline.
      if (!restart && this.consumer === consumer) {
        this.consumer = null;
        void consumer.disconnect().catch(() => undefined);
      }
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.consumerError = null;
    });
    await consumer.connect();
    try {
      for (const topic of this.topics) await consumer.subscribe({ topic, fromBeginning: true });
      const running = consumer.run({
        eachBatch: async ({ batch }) => {
          const floor = this.baseline.get(batch.topic)?.get(batch.partition) ?? 0;
          const kind = batch.topic === this.topics[0] ? 'u' : 'i';
          let counted = 0;
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            if (offset < floor || m.key === null) continue;
            this.changed.set(`${kind}:${m.key.toString('utf8')}`, {
              topic: batch.topic,
              partition: batch.partition,
              offset,
            });
            counted++;
          }
          if (counted > 0) {
            this.lastChange = (this.opts.now ?? Date.now)();
            this.opts.onChange?.();
          }
        },
      });
      // run() creates the consumer group before its first await, so these seeks are in place
      // before the first fetch: each partition commits its start and is read from there. (kafkajs'
      // admin.setOffsets does the same through a consumer of its own that waits out a 5 s fetch
      // per topic: 10 s on every trainer start.)
      for (const start of starts) consumer.seek(start);
      await running;
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumer = consumer;
    this.log.info({ group: groupId, topics: this.topics }, 'tracking feature changes');
  }

  /** A run succeeded on a snapshot ending at `ends`: forget what it saw, count from there. */
  advance(ends: EndOffsets): void {
    for (const topic of this.topics) {
      const topicEnds = ends.get(topic);
      if (topicEnds) this.baseline.set(topic, new Map(topicEnds));
    }
    for (const [key, at] of this.changed) {
      const end = this.baseline.get(at.topic)?.get(at.partition) ?? 0;
      if (at.offset < end) this.changed.delete(key);
    }
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    this.consumerError = null;
    await consumer?.disconnect().catch(() => undefined);
  }
}
