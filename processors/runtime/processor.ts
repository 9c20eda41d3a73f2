import { performance } from 'node:perf_hooks';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import type { Redis } from 'ioredis';
import { health as processHealth, type HealthRegistry } from '../../lib/health.js';
import type { Logger } from '../../lib/logger.js';
import { processorMetrics } from '../../lib/metrics.js';
import { createRedis } from '../../lib/redis.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { EntityState } from '../../sinks/redis/feature-state.js';
import { registerVersion } from '../../sinks/redis/versions.js';
import type { ItemCatalog } from '../catalog.js';
import { decodeMessages } from './decode.js';
import type { EntitySpec, OutputMessage } from './entity-spec.js';
import { deadLetterMessages, featureMessages, produceAll, repartitionMessages } from './outputs.js';
import { planBatch, type BatchPlan } from './plan.js';
import type { InputRecord, RawMessage } from './records.js';
import { loadState, unwatch, writeState, type PartitionRef, type TxConnection } from './state-io.js';
import { TxPool } from './tx-pool.js';

/**
 * The processor runtime: a kafkajs consumer group over one input topic, batch by batch per
 * partition:
 *
 *   decode (rejects -> dead letters)  ->  [catalog catch-up]  ->  load state (WATCH + 1 pipeline)
 *   -> plan (skip applied offsets and duplicate event_ids, apply in offset order)
 *   -> produce outputs (acks=all, awaited)  ->  MULTI/EXEC state + dedupe + clock + offset
 *   -> commit the Kafka offset (at most once a second).
 *
 * A failure anywhere before EXEC (Redis or the broker unreachable) pauses the partition, reports
 * the processor unhealthy and retries the whole attempt with backoff; an EXEC aborted by the
 * WATCH (the partition's offset moved: another owner) reloads and replans. docs/ARCHITECTURE.md
 * "Processors" explains why this gives exactly-once effect without Kafka transactions.
 */

export interface FeatureProcessorOptions {
  kafka: Kafka;
  serde: AvroSerde;
  registryUrl: string;
  redisUrl: string;
  version: string;
  logger: Logger;
  dedupeHorizonDays: number;
  /** Partitions processed at the same time by this instance (each holds a Redis connection). */
  concurrency?: number;
  health?: HealthRegistry;
  /** Item catalog for the stream–table join (user processor). */
  catalog?: ItemCatalog;
  /** Forward applied events to the repartition topic (user processor). */
  forward?: boolean;
  /** Input is the repartition topic: filter by version and origin (item processor). */
  repartitioned?: boolean;
  /** Consumer tuning for tests and benchmarks. */
  sessionTimeoutMs?: number;
  maxWaitTimeMs?: number;
}

export interface ProcessorStatus {
  processor: string;
  version: string;
  groupId: string;
  healthy: boolean;
  reason: string | null;
  assigned: number[];
  batches: number;
  events: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COMMIT_INTERVAL_MS = 1000;
const backoffMs = (attempt: number) => Math.min(200 * 2 ** Math.min(attempt, 10), 5000);

/** Consumer group id of a processor: one group per processor and version. */
export function processorGroupId(processor: string, version: string): string {
  return `recostream.${version}.${processor}`;
}

type AttemptResult<S extends EntityState> =
  | { kind: 'applied'; plan: BatchPlan<S> }
  | { kind: 'conflict' }
  | { kind: 'abandoned' }
  /** Redis holds less than the consumer has read: re-read the partition from `from`. */
  | { kind: 'behind'; from: number };

export class FeatureProcessor<S extends EntityState> {
  readonly groupId: string;
  private readonly log: Logger;
  private readonly healthName: string;
  private readonly health: HealthRegistry;
  private readonly labels: { processor: string; version: string };
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private pool: TxPool | null = null;
  private monitor: Redis | null = null;
  private assigned: number[] = [];
  private batches = 0;
  private events = 0;
  private redisUp = true;
  /** Per partition, the offset this instance last rewound to because Redis was behind. */
  private readonly rewoundTo = new Map<number, number>();
  private readonly pendingCommits = new Map<string, { topic: string; partition: number; offset: string }>();
  private commitTimer: NodeJS.Timeout | null = null;
  private batchError: string | null = null;

  constructor(
    private readonly spec: EntitySpec<S>,
    private readonly opts: FeatureProcessorOptions,
  ) {
    this.groupId = processorGroupId(spec.processor, opts.version);
    this.log = opts.logger.child({ part: spec.processor, version: opts.version });
    this.healthName = `processor:${spec.processor}:${opts.version}`;
    this.health = opts.health ?? processHealth;
    this.labels = { processor: spec.processor, version: opts.version };
  }

  async start(): Promise<void> {
    const { kafka, version } = this.opts;
    const concurrency = this.opts.concurrency ?? 2;
    this.monitor = createRedis(this.opts.redisUrl, this.log, { connectionName: 'recostream-processor' });
    this.monitor.on('close', () => this.setRedisUp(false));
    this.monitor.on('ready', () => this.setRedisUp(true));
    await registerVersion(this.monitor, version);
    const prepared = await this.spec.prepareIndexes?.(this.monitor, version);
    if (prepared) this.log.info(prepared);
    this.pool = new TxPool(this.opts.redisUrl, concurrency, this.log);
    this.reportHealth();

    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // One request in flight per connection keeps each partition's records in send order.
      maxInFlightRequests: 1,
    });
    await this.producer.connect();

    const consumer = kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.opts.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: this.opts.maxWaitTimeMs ?? 100,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.assigned = [...(e.payload.memberAssignment[this.spec.inputTopic] ?? [])].sort((a, b) => a - b);
      this.log.info({ groupId: this.groupId, partitions: this.assigned }, 'partitions assigned');
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.log.error({ err: e.payload.error.message, restart: e.payload.restart }, 'consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.spec.inputTopic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.log.info({ groupId: this.groupId, topic: this.spec.inputTopic }, 'processor started');
  }

  status(): ProcessorStatus {
    const h = this.health.get(this.healthName);
    return {
      processor: this.spec.processor,
      version: this.opts.version,
      groupId: this.groupId,
      healthy: h?.healthy ?? true,
      reason: h?.reason ?? null,
      assigned: this.assigned,
      batches: this.batches,
      events: this.events,
    };
  }

  async stop(): Promise<void> {
    // Commit what is pending while still in the group; a batch finishing during the disconnect
    // leaves its offset uncommitted, which only means a few records re-read and skipped.
    await this.flushCommits();
    await this.consumer?.disconnect().catch(() => undefined);
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = null;
    await this.producer?.disconnect().catch(() => undefined);
    this.pool?.close();
    this.monitor?.disconnect();
    this.health.remove(this.healthName);
    this.consumer = null;
    this.producer = null;
    this.pendingCommits.clear();
    this.log.info('processor stopped');
  }

  /**
   * Kafka offsets are committed at most once a second per processor, not per batch: Redis holds
   * the applied offset (the truth); the committed one only says where a restarted consumer starts
   * reading, and whatever it re-reads below the stored offset is skipped.
   */
  private scheduleCommit(topic: string, partition: number, offset: number): void {
    this.pendingCommits.set(`${topic}:${partition}`, { topic, partition, offset: String(offset) });
    this.commitTimer ??= setTimeout(() => void this.flushCommits(), COMMIT_INTERVAL_MS);
  }

  private async flushCommits(): Promise<void> {
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = null;
    const offsets = [...this.pendingCommits.values()];
    this.pendingCommits.clear();
    if (offsets.length === 0 || !this.consumer) return;
    await this.consumer.commitOffsets(offsets).catch((err: Error) => {
      // A partition revoked in a rebalance cannot be committed by us any more; its new owner
      // skips what it re-reads by the offsets stored in Redis.
      this.log.debug({ err: err.message }, 'offset commit failed');
    });
  }

  private setRedisUp(up: boolean): void {
    if (this.redisUp === up) return;
    this.redisUp = up;
    this.reportHealth();
  }

  private reportHealth(): void {
    const reason = !this.redisUp ? 'redis unreachable' : this.batchError;
    this.health.report(this.healthName, reason === null, reason, { groupId: this.groupId });
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, pause, resolveOffset } = payload;
    if (batch.messages.length === 0) return;
    const started = performance.now();
    const ref: PartitionRef = { version: this.opts.version, topic: batch.topic, partition: batch.partition };
    const messages: RawMessage[] = batch.messages.map((m) => ({
      offset: Number(m.offset),
      key: m.key,
      value: m.value,
      headers: m.headers ?? {},
    }));
    const pool = this.pool!;
    const tx = await pool.acquire();
    let resume: (() => void) | undefined;
    let records: InputRecord[] | undefined;
    let failures = 0;
    try {
      for (;;) {
        if (!isRunning() || isStale()) return;
        let result: AttemptResult<S>;
        try {
          records ??= await decodeMessages(messages, {
            serde: this.opts.serde,
            registryUrl: this.opts.registryUrl,
            keyField: this.spec.keyField,
            readProvenance: this.opts.repartitioned ?? false,
          });
          result = await this.attempt(tx, ref, records, heartbeat, () => isRunning() && !isStale());
        } catch (err) {
          await unwatch(tx);
          failures++;
          const message = (err as Error).message;
          processorMetrics.batchRetries.inc({ ...this.labels, cause: 'error' });
          if (failures === 1 || failures % 10 === 0) {
            this.log.warn(
              { partition: batch.partition, attempt: failures, err: message },
              'batch failed; pausing the partition and retrying',
            );
          }
          this.batchError = message;
          this.reportHealth();
          resume ??= pause();
          await sleep(backoffMs(failures));
          // A rebalance while waiting surfaces here and ends the batch; kafkajs rejoins.
          await heartbeat();
          continue;
        }
        if (result.kind === 'abandoned') return;
        if (result.kind === 'behind') {
          processorMetrics.batchRetries.inc({ ...this.labels, cause: 'state_behind' });
          this.log.warn(
            { partition: batch.partition, batchStart: messages[0]!.offset, rereadFrom: result.from },
            'Redis holds less than this consumer has read (its state was lost or restored from an older copy); re-reading the partition from the offset Redis holds',
          );
          this.rewoundTo.set(batch.partition, result.from);
          this.consumer!.seek({
            topic: batch.topic,
            partition: batch.partition,
            offset: String(result.from),
          });
          return;
        }
        if (result.kind === 'conflict') {
          processorMetrics.batchRetries.inc({ ...this.labels, cause: 'offset_moved' });
          this.log.info({ partition: batch.partition }, 'partition offset moved under the batch; reloading');
          await heartbeat();
          continue;
        }
        if (failures > 0)
          this.log.info(
            { partition: batch.partition, attempts: failures + 1 },
            'batch applied after retries',
          );
        if (this.batchError !== null) {
          this.batchError = null;
          this.reportHealth();
        }
        const lag = Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1);
        this.recordMetrics(result.plan, batch.partition, lag, started);
        resolveOffset(batch.lastOffset());
        this.scheduleCommit(batch.topic, batch.partition, Number(batch.lastOffset()) + 1);
        await heartbeat();
        return;
      }
    } finally {
      resume?.();
      pool.release(tx);
    }
  }

  private async attempt(
    tx: TxConnection,
    ref: PartitionRef,
    records: InputRecord[],
    keepAlive: () => Promise<void>,
    active: () => boolean,
  ): Promise<AttemptResult<S>> {
    const { spec, opts } = this;
    const t0 = performance.now();
    await opts.catalog?.catchUp(keepAlive);
    const t1 = performance.now();
    const loaded = await loadState(tx, spec, ref, records, opts.repartitioned ?? false);
    const t2 = performance.now();
    // Redis holds the truth; the consumer's position only follows it. A batch starting past the
    // next offset Redis expects means the applied state was lost (a redis-server without AOF
    // restarted empty, a restore from an older copy): the records in between must be read again,
    // or they would never be counted. Once rewound, a batch that still starts later means the log
    // itself starts later (retention): nothing to re-read.
    const next = loaded.state.storedOffset + 1;
    if (records[0]!.offset > next && this.rewoundTo.get(ref.partition) !== next) {
      await unwatch(tx);
      return { kind: 'behind', from: next };
    }
    const now = Date.now();
    const plan = planBatch(records, loaded.state, {
      spec,
      version: opts.version,
      dedupeHorizonMs: opts.dedupeHorizonDays * 86_400_000,
      now,
      join: opts.catalog ? (itemId) => opts.catalog!.lookup(itemId) : undefined,
      repartitioned: opts.repartitioned ?? false,
    });
    if (plan.lastOffset <= loaded.state.storedOffset) {
      // Everything was applied before (a redelivery after a restart): nothing to write.
      await unwatch(tx);
      return { kind: 'applied', plan };
    }
    if (!active()) {
      await unwatch(tx);
      return { kind: 'abandoned' };
    }
    const outputs: OutputMessage[] = [
      ...(await deadLetterMessages(
        opts.serde,
        `processor:${spec.processor}`,
        ref.topic,
        ref.partition,
        plan.rejected,
        now,
      )),
      ...(opts.forward ? repartitionMessages(plan, opts.version, ref.partition) : []),
      ...(await featureMessages(opts.serde, spec, opts.version, plan, now)),
    ];
    const t3 = performance.now();
    await produceAll(this.producer!, outputs);
    const t4 = performance.now();
    const written = await writeState(tx, spec, ref, plan, loaded.epoch, loaded.format1Ids);
    const t5 = performance.now();
    this.log.debug(
      {
        partition: ref.partition,
        records: records.length,
        applied: plan.applied.length,
        entities: plan.entities.size,
        outputs: outputs.length,
        ms: {
          catalog: Math.round(t1 - t0),
          load: Math.round(t2 - t1),
          plan: Math.round(t3 - t2),
          produce: Math.round(t4 - t3),
          write: Math.round(t5 - t4),
        },
      },
      written === 'applied' ? 'batch applied' : 'batch write aborted: offset moved',
    );
    return written === 'applied' ? { kind: 'applied', plan } : { kind: 'conflict' };
  }

  private recordMetrics(plan: BatchPlan<S>, partition: number, lag: number, started: number): void {
    const m = processorMetrics;
    this.batches++;
    this.events += plan.applied.length;
    m.batches.inc(this.labels);
    m.eventsProcessed.inc(this.labels, plan.applied.length);
    if (plan.skipped.duplicate > 0) m.duplicatesSkipped.inc(this.labels, plan.skipped.duplicate);
    for (const r of plan.rejected) m.deadLetters.inc({ ...this.labels, reason: r.code });
    m.batchDuration.observe(this.labels, (performance.now() - started) / 1000);
    m.lag.set({ ...this.labels, topic: this.spec.inputTopic, partition: String(partition) }, lag);
    if (plan.clock !== null) m.pipelineClock.set({ version: this.opts.version }, plan.clock);
    if (plan.lastAppliedEventTime !== null) {
      m.freshness.set(this.labels, (Date.now() - plan.lastAppliedEventTime) / 1000);
    }
  }
}
