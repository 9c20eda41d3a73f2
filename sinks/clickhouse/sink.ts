import type { ClickHouseClient } from '@clickhouse/client';
import {
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type Producer,
} from 'kafkajs';
import { health as processHealth, type HealthRegistry } from '../../lib/health.js';
import type { Logger } from '../../lib/logger.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { DeadLetter } from '../../schemas/types.js';
import { TOPIC } from '../../topology/topics.js';
import { deadLetterFor, decodeMessage, RegistryUnavailableError, type DecodeContext } from './decode.js';
import { sinkMetrics, type SinkMetrics } from './metrics.js';
import { applyMigrations } from './migrations.js';
import { PendingBatch, type CommitOffset } from './pending-batch.js';
import { deadLetterRow } from './rows.js';
import { SerialQueue } from './serial-queue.js';
import { sourceTopics, TABLE } from './tables.js';
import { TableWriter } from './writer.js';

/**
 * The ClickHouse sink: a consumer group of its own (like a Kafka Connect sink) that reads the raw
 * topics, the feature topics of every version, the dead letters and the training runs, and writes
 * them into the `recostream` database in large batches.
 *
 * Delivery: at least once into ClickHouse, exactly once in effect. Offsets are committed only
 * after the rows of every message up to them are inserted; a crash in between re-reads the same
 * messages, and the tables (ReplacingMergeTree keyed by each record's identity) collapse the
 * copies. See docs/ARCHITECTURE.md "ClickHouse sink".
 *
 * Failures: when an insert (or publishing a dead letter, or the schema registry) fails, the sink
 * keeps its pending batch, pauses every partition, reports unhealthy and retries with exponential
 * backoff; on success it commits and resumes where it stopped. Nothing read is dropped meanwhile.
 */

export const DEFAULT_SINK_GROUP = 'recostream-clickhouse-sink';

export interface ClickHouseSinkOptions {
  kafka: Kafka;
  serde: AvroSerde;
  clickhouse: ClickHouseClient;
  /** Base URL of the schema registry, probed to tell an unknown schema id from an outage. */
  registryUrl: string;
  logger: Logger;
  groupId?: string;
  /** Flush when this many rows are pending (default 50,000). */
  maxBatchRows?: number;
  /** Flush pending rows at the latest this long after the first of them was read (default 1 s). */
  lingerMs?: number;
  /** How often to look for new feature-topic versions (default 30 s). */
  topicRefreshMs?: number;
  /** Backoff after a failure: first delay, doubled on every further failure up to the maximum. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /**
   * Consumer group session timeout (default 30 s). A sink killed without leaving the group holds
   * its partitions until this expires, so its replacement starts consuming only then.
   */
  sessionTimeoutMs?: number;
  /** Apply the DDL migrations on start (default true). */
  migrate?: boolean;
  metrics?: SinkMetrics;
  /** Where the sink reports its health as component `clickhouse-sink` (default: the process's). */
  health?: HealthRegistry;
}

export const HEALTH_COMPONENT = 'clickhouse-sink';

export type SinkState = 'starting' | 'running' | 'retrying' | 'resubscribing' | 'stopping' | 'stopped';

export interface SinkHealth {
  healthy: boolean;
  state: SinkState;
  /** Why the sink is retrying (null while healthy). */
  lastError: string | null;
  failingSince: number | null;
  consecutiveFailures: number;
  lastFlushAt: number | null;
  pendingRows: number;
  topics: string[];
}

export class ClickHouseSink {
  private readonly log: Logger;
  private readonly writer: TableWriter;
  private readonly metrics: SinkMetrics;
  private readonly healthRegistry: HealthRegistry;
  private readonly queue = new SerialQueue();
  private readonly decodeCtx: DecodeContext;
  private readonly groupId: string;
  private readonly maxBatchRows: number;
  private readonly lingerMs: number;
  private readonly topicRefreshMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly sessionTimeoutMs: number;

  private state: SinkState = 'starting';
  private pending = new PendingBatch();
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private admin: Admin | null = null;
  private topics: string[] = [];
  private lingerTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private refreshing = false;
  private registryDown = false;
  private lastError: string | null = null;
  /** Set while kafkajs restarts a crashed consumer (or after it gave up). */
  private consumerError: string | null = null;
  private failingSince: number | null = null;
  private consecutiveFailures = 0;
  private lastFlushAt: number | null = null;

  constructor(private readonly opts: ClickHouseSinkOptions) {
    this.log = opts.logger.child({ part: 'clickhouse-sink' });
    this.metrics = opts.metrics ?? sinkMetrics();
    this.healthRegistry = opts.health ?? processHealth;
    this.writer = new TableWriter(opts.clickhouse, this.metrics);
    this.groupId = opts.groupId ?? DEFAULT_SINK_GROUP;
    this.maxBatchRows = opts.maxBatchRows ?? 50_000;
    this.lingerMs = opts.lingerMs ?? 1000;
    this.topicRefreshMs = opts.topicRefreshMs ?? 30_000;
    this.retryInitialMs = opts.retryInitialMs ?? 250;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 30_000;
    this.decodeCtx = { serde: opts.serde, registryReachable: () => this.registryReachable() };
  }

  async start(): Promise<void> {
    if (this.opts.migrate !== false)
      await applyMigrations(this.opts.clickhouse, { logger: this.opts.logger });
    this.admin = this.opts.kafka.admin();
    await this.admin.connect();
    // Dead letters are keyed by source; the Java client's partitioner places them like any Kafka client would.
    this.producer = this.opts.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
    this.topics = sourceTopics(await this.admin.listTopics());
    if (this.topics.length > 0) this.consumer = await this.startConsumer(this.topics);
    else
      this.log.warn(
        'none of the topics the sink reads exists yet (run `recostream topology apply`); waiting for them',
      );
    this.state = 'running';
    this.reportHealth();
    this.refreshTimer = setInterval(() => void this.refreshTopics(), this.topicRefreshMs);
    this.refreshTimer.unref();
    this.log.info({ groupId: this.groupId, topics: this.topics }, 'ClickHouse sink started');
  }

  health(): SinkHealth {
    return {
      healthy: (this.state === 'running' || this.state === 'resubscribing') && this.consumerError === null,
      state: this.state,
      lastError: this.lastError ?? this.consumerError,
      failingSince: this.failingSince,
      consecutiveFailures: this.consecutiveFailures,
      lastFlushAt: this.lastFlushAt,
      pendingRows: this.pending.rowCount,
      topics: [...this.topics],
    };
  }

  /** Stores what is pending (when ClickHouse accepts it), commits, and leaves the group. */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    for (const timer of [this.lingerTimer, this.retryTimer]) if (timer) clearTimeout(timer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    const flushed = await this.queue.run(() => this.flush());
    if (!flushed)
      this.log.warn('stopping with rows not stored; they are not committed and will be read again');
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
    this.state = 'stopped';
    this.healthRegistry.remove(HEALTH_COMPONENT);
    this.log.info('ClickHouse sink stopped');
  }

  private async startConsumer(topics: string[]): Promise<Consumer> {
    const consumer = this.opts.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(this.sessionTimeoutMs / 3)),
      maxWaitTimeInMs: 500,
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    // kafkajs restarts a crashed consumer by itself (broker unreachable, group errors); until it
    // has rejoined the group the sink is not making progress, and says so.
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.consumerError = `Kafka consumer ${restart ? 'restarting after' : 'stopped by'}: ${error.message}`;
      this.log.error(
        { err: error, restart },
        restart ? 'sink consumer crashed; kafkajs restarts it' : 'sink consumer stopped; restart the sink',
      );
      this.reportHealth();
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.consumerError === null) return;
      this.consumerError = null;
      this.reportHealth();
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.queue.run(() => this.onBatch(consumer, payload)),
    });
    return consumer;
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, pause, isRunning, isStale } = payload;
    if (consumer !== this.consumer || !isRunning() || isStale()) return;
    if (this.state !== 'running') {
      // Not resolving anything: these messages are fetched again once the sink resumes.
      if (this.state === 'retrying') pause();
      return;
    }
    const { topic, partition } = batch;
    for (const message of batch.messages) {
      try {
        const decoded = await decodeMessage(this.decodeCtx, topic, partition, message);
        if (decoded.kind === 'row') this.pending.addRow(decoded.table, decoded.row);
        else if (decoded.kind === 'reject')
          this.reject(deadLetterFor(decoded, topic, partition, message, Date.now()));
      } catch (err) {
        if (!(err instanceof RegistryUnavailableError)) throw err;
        // Keep what was read before this message; this one and the rest are fetched again.
        this.registryDown = true;
        this.fail(err);
        pause();
        break;
      }
      this.pending.advance(topic, partition, message.offset);
      resolveOffset(message.offset);
    }
    const next = this.pending.commits().find((c) => c.topic === topic && c.partition === partition);
    if (next) {
      const lag = BigInt(batch.highWatermark) - BigInt(next.offset);
      this.metrics.lag.set({ topic, partition: String(partition) }, Number(lag > 0n ? lag : 0n));
    }
    this.metrics.pendingRows.set(this.pending.rowCount);
    await heartbeat();
    if (this.state !== 'running') return;
    if (this.pending.rowCount >= this.maxBatchRows) await this.flush();
    else this.scheduleLinger();
  }

  /**
   * A message the sink cannot store goes to the dead letters, except a dead letter itself: that
   * one is stored directly in dead_letters with the reason, so no dead letter is ever published
   * about a dead letter (a loop) and none is dropped.
   */
  private reject(deadLetter: DeadLetter): void {
    this.metrics.deadLetters.inc({ reason: deadLetter.reason.split(':')[0]! });
    this.log.warn(
      {
        topic: deadLetter.topic,
        partition: deadLetter.partition,
        offset: deadLetter.offset,
        reason: deadLetter.reason,
      },
      'message rejected',
    );
    if (deadLetter.topic === TOPIC.deadLetters) {
      this.pending.addRow(
        TABLE.deadLetters,
        deadLetterRow(deadLetter, { partition: deadLetter.partition!, offset: String(deadLetter.offset) }),
      );
    } else {
      this.pending.addDeadLetter(deadLetter);
    }
  }

  private scheduleLinger(): void {
    if (this.lingerTimer || this.pending.isEmpty()) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      void this.queue.run(async () => {
        if (this.state === 'running') await this.flush();
      });
    }, this.lingerMs);
  }

  /** Publishes the dead letters, inserts every table, commits. False (and retrying) on failure. */
  private async flush(): Promise<boolean> {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    const batch = this.pending;
    if (batch.isEmpty()) return true;
    try {
      if (batch.deadLetters.length > 0) {
        await this.publishDeadLetters(batch.deadLetters);
        batch.deadLetters = [];
      }
      for (const [table, rows] of [...batch.rows]) {
        await this.writer.insert(table, rows);
        batch.rows.delete(table);
      }
    } catch (err) {
      this.metrics.flushes.inc({ outcome: 'error' });
      this.fail(err);
      return false;
    }
    await this.commit(batch.commits());
    this.pending = new PendingBatch();
    this.metrics.flushes.inc({ outcome: 'ok' });
    this.metrics.pendingRows.set(0);
    this.lastFlushAt = Date.now();
    return true;
  }

  private async publishDeadLetters(deadLetters: DeadLetter[]): Promise<void> {
    const messages = await Promise.all(
      deadLetters.map(async (dl) => ({
        key: dl.source,
        value: await this.opts.serde.encode(TOPIC.deadLetters, 'DeadLetter', dl),
      })),
    );
    await this.producer!.send({ topic: TOPIC.deadLetters, messages });
  }

  /**
   * The rows are stored; a failed commit only means some of them will be read and inserted again
   * (and collapse with the stored copies), so it is logged rather than retried.
   */
  private async commit(offsets: CommitOffset[]): Promise<void> {
    if (offsets.length === 0 || !this.consumer) return;
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (err) {
      this.log.warn(
        { err },
        'offset commit failed after a successful insert; those messages may be read again',
      );
    }
  }

  private fail(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.consecutiveFailures++;
    if (this.state === 'stopping' || this.state === 'stopped') return;
    if (this.state !== 'retrying') {
      this.failingSince = Date.now();
      this.log.error({ err }, 'ClickHouse sink unhealthy: pausing consumption and retrying');
    } else {
      this.log.warn(
        { error: this.lastError, attempt: this.consecutiveFailures },
        'ClickHouse sink still failing',
      );
    }
    this.state = 'retrying';
    this.reportHealth();
    this.pauseAll();
    this.scheduleRetry();
  }

  private reportHealth(): void {
    const status = this.health();
    this.metrics.healthy.set(status.healthy ? 1 : 0);
    this.healthRegistry.report(HEALTH_COMPONENT, status.healthy, status.lastError, {
      groupId: this.groupId,
      state: status.state,
      consecutiveFailures: status.consecutiveFailures,
    });
  }

  private pauseAll(): void {
    if (this.consumer && this.topics.length > 0) this.consumer.pause(this.topics.map((topic) => ({ topic })));
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    const exponent = Math.min(this.consecutiveFailures - 1, 20);
    const delay =
      Math.min(this.retryInitialMs * 2 ** exponent, this.retryMaxMs) * (0.8 + Math.random() * 0.4);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.queue.run(() => this.recover());
    }, delay);
  }

  private async recover(): Promise<void> {
    if (this.state !== 'retrying') return;
    if (this.registryDown) {
      if (!(await this.registryReachable())) {
        this.fail(new Error(`schema registry at ${this.opts.registryUrl} is unreachable`));
        return;
      }
      this.registryDown = false;
    }
    // flush() puts the sink back into retrying (and schedules the next attempt) when it fails.
    this.state = 'running';
    if (!(await this.flush())) return;
    this.log.info(
      {
        downForMs: this.failingSince === null ? null : Date.now() - this.failingSince,
        attempts: this.consecutiveFailures,
      },
      'ClickHouse sink healthy again: resuming',
    );
    this.consecutiveFailures = 0;
    this.failingSince = null;
    this.lastError = null;
    this.reportHealth();
    if (this.consumer && this.topics.length > 0)
      this.consumer.resume(this.topics.map((topic) => ({ topic })));
  }

  private async registryReachable(): Promise<boolean> {
    try {
      const res = await fetch(`${this.opts.registryUrl}/subjects`, { signal: AbortSignal.timeout(3000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /**
   * kafkajs resolves a subscription pattern once; new feature versions (`user-features.v2`) are
   * picked up by listing topics now and then and restarting the consumer on the new set, after
   * storing and committing what is pending.
   */
  private async refreshTopics(): Promise<void> {
    if (this.refreshing || this.state !== 'running' || !this.admin) return;
    this.refreshing = true;
    try {
      const topics = sourceTopics(await this.admin.listTopics());
      if (topics.join('\n') === this.topics.join('\n')) return;
      const ready = await this.queue.run(async () => {
        if (this.state !== 'running' || !(await this.flush())) return false;
        this.state = 'resubscribing';
        return true;
      });
      if (!ready) return;
      this.log.info(
        { added: topics.filter((t) => !this.topics.includes(t)) },
        'new topics to sink: resubscribing',
      );
      const previous = this.consumer;
      this.consumer = null;
      await previous?.disconnect();
      this.topics = topics;
      this.consumer = await this.startConsumer(topics);
      this.state = 'running';
    } catch (err) {
      this.log.warn({ err }, 'could not refresh the list of topics to sink');
      if ((this.state as SinkState) === 'resubscribing') {
        // The old consumer is gone; try again with a fresh one at the next refresh.
        this.topics = [];
        this.state = 'running';
      }
    } finally {
      this.refreshing = false;
    }
  }
}

/** Applies the migrations, joins the sink's consumer group and starts storing. */
export async function startClickHouseSink(opts: ClickHouseSinkOptions): Promise<ClickHouseSink> {
  const sink = new ClickHouseSink(opts);
  await sink.start();
  return sink;
}
