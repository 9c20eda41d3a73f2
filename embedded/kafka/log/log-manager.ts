import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../../../lib/logger.js';
import { ProducerIdAllocator } from '../producer-state/index.js';
import { KafkaErrorCode, LogError } from './error-codes.js';
import {
  type CompactionResult,
  DEFAULT_PRODUCER_EXPIRATION_MS,
  type FlushPolicy,
  PartitionLog,
} from './partition-log.js';
import { writeFileAtomically } from './segment.js';
import { type TopicConfig, effectiveTopicConfig, validateTopicOverrides } from './topic-config.js';

export interface LogManagerOptions {
  dataDir: string;
  flush: FlushPolicy;
  logger: Logger;
  now?: () => number;
  /** How often retention and producer expiry run (Kafka: log.retention.check.interval.ms). */
  retentionCheckIntervalMs?: number;
  /** How often the cleaner looks for dirty compacted logs (Kafka: log.cleaner.backoff.ms). */
  cleanerIntervalMs?: number;
  /** How often producer-state snapshots are written. */
  checkpointIntervalMs?: number;
  producerExpirationMs?: number;
}

interface TopicFile {
  name: string;
  partitions: number;
  overrides: Partial<TopicConfig>;
  createdAt: number;
}

interface TopicState {
  file: TopicFile;
  config: TopicConfig;
  partitions: PartitionLog[];
}

export type AppendListener = (topic: string, partition: number) => void;

const TOPICS_DIR = 'topics';
const TOPIC_FILE = 'topic.json';
const DELETED_PREFIX = '.deleted-';
const PRODUCER_IDS_FILE = 'producer-ids.json';
const LOCK_FILE = '.lock';
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * All partition logs of the broker and the topic registry. Layout under `dataDir`:
 * `topics/<topic>/topic.json` (partition count and config overrides) and
 * `topics/<topic>/<partition>/` (segments, indexes, checkpoints, producer-state snapshots);
 * `producer-ids.json` (the producer id allocator).
 */
export class LogManager {
  private readonly topicStates = new Map<string, TopicState>();
  private readonly listeners = new Set<AppendListener>();
  private readonly timers: NodeJS.Timeout[] = [];
  private cleanerRun: Promise<unknown> | null = null;
  private backgroundFlush: Promise<unknown> | null = null;
  private closed = false;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly producerIds: ProducerIdAllocator;

  private constructor(private readonly options: LogManagerOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.producerIds = ProducerIdAllocator.open(path.join(options.dataDir, PRODUCER_IDS_FILE));
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    const topicsDir = path.join(options.dataDir, TOPICS_DIR);
    fs.mkdirSync(topicsDir, { recursive: true });
    lockDataDir(options.dataDir);
    const manager = new LogManager(options);
    for (const name of fs.readdirSync(topicsDir)) {
      const dir = path.join(topicsDir, name);
      if (name.startsWith(DELETED_PREFIX)) {
        await fs.promises.rm(dir, { recursive: true, force: true });
        continue;
      }
      const file = readTopicFile(path.join(dir, TOPIC_FILE));
      if (!file) {
        options.logger.warn({ dir }, 'ignoring a topic directory without a readable topic.json');
        continue;
      }
      manager.openTopic(file);
    }
    options.logger.info(
      { dataDir: options.dataDir, topics: manager.topicStates.size },
      'opened partition logs',
    );
    return manager;
  }

  topics(): string[] {
    return [...this.topicStates.keys()].sort();
  }

  has(topic: string): boolean {
    return this.topicStates.has(topic);
  }

  partitionCount(topic: string): number {
    return this.topicStates.get(topic)?.partitions.length ?? 0;
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topicStates.get(topic)?.partitions[partition];
  }

  topicConfig(topic: string): TopicConfig {
    return this.state(topic).config;
  }

  topicOverrides(topic: string): Partial<TopicConfig> {
    return { ...this.state(topic).file.overrides };
  }

  /** A new producer id, never handed out before (InitProducerId). */
  allocateProducerId(): number {
    return this.producerIds.allocate();
  }

  /**
   * Throws LogError with INVALID_TOPIC_EXCEPTION 17, TOPIC_ALREADY_EXISTS 36,
   * INVALID_PARTITIONS 37 or INVALID_CONFIG 40 (validate first with `validateTopicCreation`).
   */
  async createTopic(name: string, partitions: number, overrides: Partial<TopicConfig> = {}): Promise<void> {
    const problem = this.validateTopicCreation(name, partitions, overrides);
    if (problem) throw problem;
    const parsed = validateTopicOverrides(overrides);
    const file: TopicFile = {
      name,
      partitions,
      overrides: parsed.ok ? parsed.overrides : {},
      createdAt: this.now(),
    };
    const dir = this.topicDir(name);
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomically(path.join(dir, TOPIC_FILE), JSON.stringify(file, null, 2), true);
    this.openTopic(file);
    this.logger.info({ topic: name, partitions, overrides: file.overrides }, 'created topic');
  }

  /** The error createTopic would throw, or null (for validate_only requests). */
  validateTopicCreation(
    name: string,
    partitions: number,
    overrides: Partial<TopicConfig> = {},
  ): LogError | null {
    if (!isValidTopicName(name))
      return new LogError(KafkaErrorCode.invalidTopic, `Invalid topic name: ${JSON.stringify(name)}`);
    if (this.topicStates.has(name))
      return new LogError(KafkaErrorCode.topicAlreadyExists, `Topic '${name}' already exists.`);
    if (!Number.isInteger(partitions) || partitions <= 0) {
      return new LogError(
        KafkaErrorCode.invalidPartitions,
        `Number of partitions must be larger than 0, got ${partitions}.`,
      );
    }
    const parsed = validateTopicOverrides(overrides);
    if (!parsed.ok) return new LogError(parsed.errorCode, parsed.message);
    return null;
  }

  async deleteTopic(name: string): Promise<void> {
    const state = this.topicStates.get(name);
    if (!state) throw new LogError(KafkaErrorCode.unknownTopicOrPartition, `Topic '${name}' does not exist.`);
    this.topicStates.delete(name);
    for (const partition of state.partitions) partition.abandon();
    const dir = this.topicDir(name);
    // Renamed first so that a crash mid-removal never resurrects a half-deleted topic.
    const doomed = path.join(this.options.dataDir, TOPICS_DIR, `${DELETED_PREFIX}${randomUUID()}`);
    fs.renameSync(dir, doomed);
    this.logger.info({ topic: name }, 'deleted topic');
    await fs.promises.rm(doomed, { recursive: true, force: true });
  }

  /** Grows a topic to `total` partitions (INVALID_PARTITIONS 37 unless it is more than now). */
  async createPartitions(name: string, total: number): Promise<void> {
    const state = this.state(name);
    const current = state.partitions.length;
    if (!Number.isInteger(total) || total <= current) {
      throw new LogError(
        KafkaErrorCode.invalidPartitions,
        `Topic currently has ${current} partitions, ${total} would not be an increase.`,
      );
    }
    state.file = { ...state.file, partitions: total };
    writeFileAtomically(
      path.join(this.topicDir(name), TOPIC_FILE),
      JSON.stringify(state.file, null, 2),
      true,
    );
    for (let p = current; p < total; p++) state.partitions.push(this.openPartition(name, p));
    this.logger.info({ topic: name, from: current, to: total }, 'added partitions');
  }

  /** Replaces the topic's config overrides (AlterConfigs semantics); INVALID_CONFIG 40 if bad. */
  async alterTopicConfig(name: string, overrides: Partial<TopicConfig>): Promise<void> {
    const state = this.state(name);
    const parsed = validateTopicOverrides(overrides);
    if (!parsed.ok) throw new LogError(parsed.errorCode, parsed.message);
    state.file = { ...state.file, overrides: parsed.overrides };
    state.config = effectiveTopicConfig(parsed.overrides);
    writeFileAtomically(
      path.join(this.topicDir(name), TOPIC_FILE),
      JSON.stringify(state.file, null, 2),
      true,
    );
    this.logger.info({ topic: name, overrides: parsed.overrides }, 'altered topic config');
  }

  /** Called after every successful append; returns a function that unsubscribes. */
  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the periodic flush (interval policy), checkpoint, retention and cleaner timers. */
  startBackgroundTasks(): void {
    if (this.timers.length > 0 || this.closed) return;
    const every = (ms: number, task: () => void): void => {
      const timer = setInterval(() => {
        try {
          task();
        } catch (error) {
          this.logger.error({ err: error }, 'background log task failed');
        }
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    if (this.options.flush.mode === 'interval') {
      every(this.options.flush.ms, () => {
        if (this.backgroundFlush) return;
        this.backgroundFlush = Promise.all(
          [...this.allPartitions()].map((log) => log.flushInBackground()),
        ).finally(() => {
          this.backgroundFlush = null;
        });
      });
    }
    every(this.options.checkpointIntervalMs ?? 30_000, () => this.checkpointAll());
    every(this.options.retentionCheckIntervalMs ?? 60_000, () => this.runRetention());
    every(this.options.cleanerIntervalMs ?? 15_000, () => {
      if (!this.cleanerRun) void this.runCleaner();
    });
  }

  flushAll(): void {
    for (const log of this.allPartitions()) log.flush();
  }

  checkpointAll(): void {
    for (const log of this.allPartitions()) log.checkpoint();
  }

  /** Retention on every partition plus producer expiry; returns the number of segments deleted. */
  runRetention(): number {
    const now = this.now();
    let deleted = 0;
    for (const log of this.allPartitions()) {
      deleted += log.enforceRetention(now);
      log.expireProducers(now);
    }
    return deleted;
  }

  /**
   * One cleaner pass over every compacted partition, yielding to the event loop between
   * partitions. A failing partition is logged and skipped.
   */
  async runCleaner(): Promise<CompactionResult[]> {
    if (this.cleanerRun) await this.cleanerRun;
    const run = (async () => {
      const results: CompactionResult[] = [];
      for (const log of this.allPartitions()) {
        if (this.closed) break;
        try {
          const result = await log.compactInBackground(this.now());
          if (result) results.push(result);
        } catch (error) {
          this.logger.error({ err: error, topic: log.topic, partition: log.partition }, 'compaction failed');
        }
        await yieldToEventLoop();
      }
      return results;
    })();
    this.cleanerRun = run;
    try {
      return await run;
    } finally {
      this.cleanerRun = null;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    if (this.cleanerRun) await this.cleanerRun.catch(() => undefined);
    if (this.backgroundFlush) await this.backgroundFlush.catch(() => undefined);
    for (const log of this.allPartitions()) log.close();
    fs.rmSync(path.join(this.options.dataDir, LOCK_FILE), { force: true });
    this.logger.info('closed partition logs');
  }

  private *allPartitions(): Generator<PartitionLog> {
    for (const state of [...this.topicStates.values()]) yield* [...state.partitions];
  }

  private state(topic: string): TopicState {
    const state = this.topicStates.get(topic);
    if (!state)
      throw new LogError(KafkaErrorCode.unknownTopicOrPartition, `Topic '${topic}' does not exist.`);
    return state;
  }

  private topicDir(name: string): string {
    return path.join(this.options.dataDir, TOPICS_DIR, name);
  }

  private openTopic(file: TopicFile): void {
    const state: TopicState = { file, config: effectiveTopicConfig(file.overrides), partitions: [] };
    this.topicStates.set(file.name, state);
    for (let p = 0; p < file.partitions; p++) state.partitions.push(this.openPartition(file.name, p));
  }

  private openPartition(topic: string, partition: number): PartitionLog {
    return PartitionLog.open({
      dir: path.join(this.topicDir(topic), String(partition)),
      topic,
      partition,
      config: () => this.topicStates.get(topic)?.config ?? effectiveTopicConfig({}),
      flush: this.options.flush,
      logger: this.logger.child({ topic, partition }),
      now: this.now,
      producerExpirationMs: this.options.producerExpirationMs ?? DEFAULT_PRODUCER_EXPIRATION_MS,
      onAppend: () => {
        for (const listener of this.listeners) {
          try {
            listener(topic, partition);
          } catch (error) {
            this.logger.error({ err: error, topic, partition }, 'append listener failed');
          }
        }
      },
    });
  }
}

export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/**
 * Two brokers writing the same segments would corrupt them: the data dir holds a lock file with
 * the owner's pid. A lock left by a process that is gone (kill -9) is taken over.
 */
function lockDataDir(dataDir: string): void {
  const lock = path.join(dataDir, LOCK_FILE);
  let owner = NaN;
  try {
    owner = Number(fs.readFileSync(lock, 'utf8').trim());
  } catch {
    // no lock yet
  }
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessAlive(owner)) {
    throw new Error(`the broker data directory ${dataDir} is in use by process ${owner}`);
  }
  writeFileAtomically(lock, String(process.pid));
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readTopicFile(file: string): TopicFile | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as TopicFile;
    if (typeof parsed.name !== 'string' || !Number.isInteger(parsed.partitions)) return null;
    return { ...parsed, overrides: parsed.overrides ?? {} };
  } catch {
    return null;
  }
}
