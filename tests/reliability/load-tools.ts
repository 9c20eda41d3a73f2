import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import { pipelineLag } from '../../processors/progress.js';
import type { AvroSerde } from '../../schemas/serde.js';
import { EVENT_TYPES, type EventType, type Interaction, type Item } from '../../schemas/types.js';
import { TOPIC } from '../../topology/topics.js';
import { rng } from '../harness/dataset.js';

/** Load generation and measurement for the load cases: a paced producer, lag and memory sampling. */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident set size of a process in MiB (Linux /proc), or null once it has gone. */
export async function rssMiB(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

const CATEGORIES = ['Books', 'Electronics', 'Garden', 'Home', 'Sports', 'Toys', 'Beauty', 'Music'];
const TYPE_WEIGHTS: [EventType, number][] = [
  ['view', 0.55],
  ['click', 0.2],
  ['add_to_cart', 0.08],
  ['purchase', 0.05],
  ['like', 0.07],
  ['rate', 0.05],
];

export interface EventSourceOptions {
  seed: number;
  users: number;
  items: number;
  /** Event time of the first event; each later one is 50 ms on, with jitter. */
  start: number;
  /** Fraction of events that repeat an earlier event_id (a producer's retry). Default 0.01. */
  duplicateRate?: number;
  /** Fraction of events up to two days late. Default 0.02. */
  lateRate?: number;
}

/**
 * An endless, seeded stream of interactions, drawn as they are needed (the load cases do not know
 * in advance how many the pipeline will take): Zipf item popularity, skewed users, late events and
 * repeated event_ids, like the generated data sets.
 */
export class EventSource {
  private readonly random: () => number;
  private readonly cumulative: number[] = [];
  private total = 0;
  private n = 0;
  private readonly recent: Interaction[] = [];
  readonly items: Item[] = [];

  constructor(private readonly o: EventSourceOptions) {
    this.random = rng(o.seed);
    for (let k = 0; k < o.items; k++) this.cumulative.push((this.total += 1 / (k + 1)));
    for (let i = 0; i < o.items; i++) {
      this.items.push({
        item_id: `item-${i}`,
        title: `Item ${i}`,
        category: this.random() < 0.1 ? null : CATEGORIES[Math.floor(this.random() * CATEGORIES.length)]!,
        subcategory: null,
        brand: null,
        price: this.random() < 0.15 ? null : Math.round(this.random() * 20000) / 100,
        description: null,
        is_active: true,
        attributes: {},
        created_at: null,
        source: 'reliability-load',
        ingest_time: o.start,
      });
    }
  }

  private item(): string {
    const x = this.random() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return `item-${lo}`;
  }

  private type(): EventType {
    let x = this.random();
    for (const [type, w] of TYPE_WEIGHTS) if ((x -= w) < 0) return type;
    return EVENT_TYPES[0];
  }

  next(count: number): Interaction[] {
    const out: Interaction[] = [];
    for (let k = 0; k < count; k++) {
      const n = this.n++;
      if (this.recent.length > 0 && this.random() < (this.o.duplicateRate ?? 0.01)) {
        out.push({ ...this.recent[Math.floor(this.random() * this.recent.length)]! });
        continue;
      }
      const type = this.type();
      let time = this.o.start + n * 50 + Math.floor(this.random() * 2000);
      if (this.random() < (this.o.lateRate ?? 0.02)) time -= Math.floor(this.random() * 2 * 86_400_000);
      const event: Interaction = {
        event_id: `load-${this.o.seed}-${n}`,
        user_id: `user-${Math.floor(Math.pow(this.random(), 1.5) * this.o.users)}`,
        item_id: this.item(),
        event_type: type,
        rating: type === 'rate' ? 1 + Math.floor(this.random() * 9) / 2 : null,
        event_time: time,
        session_id: null,
        device_type: null,
        page_context: null,
        price: type === 'purchase' && this.random() < 0.6 ? Math.round(this.random() * 10000) / 100 : null,
        source: 'reliability-load',
        ingest_time: this.o.start,
      };
      out.push(event);
      this.recent.push(event);
      if (this.recent.length > 1000) this.recent.shift();
    }
    return out;
  }
}

export interface PhaseOutcome {
  target: number;
  produced: number;
  seconds: number;
  /** Events per second actually acknowledged. */
  achieved: number;
}

/**
 * Produces interactions at a target rate, acks=all, as one producer would: every few milliseconds
 * it sends what the schedule says is due (so a slow send is followed by a larger one), at most
 * `maxBatch` events a send. Keeps every acknowledged event for the oracle.
 */
export class PacedProducer {
  readonly acked: Interaction[] = [];
  private constructor(
    private readonly producer: Producer,
    private readonly serde: AvroSerde,
    private readonly source: EventSource,
  ) {}

  static async connect(kafka: Kafka, serde: AvroSerde, source: EventSource): Promise<PacedProducer> {
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return new PacedProducer(producer, serde, source);
  }

  async send(events: Interaction[]): Promise<void> {
    const messages: Message[] = [];
    for (const e of events)
      messages.push({ key: e.user_id, value: await this.serde.encode(TOPIC.interactions, 'Interaction', e) });
    await this.producer.send({ topic: TOPIC.interactions, messages, acks: -1 });
    for (const e of events) this.acked.push(e);
  }

  async run(rate: number, seconds: number, maxBatch = 5000): Promise<PhaseOutcome> {
    const started = performance.now();
    const end = started + seconds * 1000;
    let produced = 0;
    for (;;) {
      const now = performance.now();
      if (now >= end) break;
      const due = Math.floor((rate * (now - started)) / 1000) - produced;
      if (due <= 0) {
        await sleep(Math.min(20, end - now));
        continue;
      }
      const count = Math.min(due, maxBatch);
      await this.send(this.source.next(count));
      produced += count;
    }
    const elapsed = (performance.now() - started) / 1000;
    return { target: rate, produced, seconds: elapsed, achieved: produced / elapsed };
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

export interface Sample {
  /** Seconds since the monitor started. */
  t: number;
  phase: string;
  /** Records the two processors have yet to apply (pipelineLag total). */
  lag: number;
  /** Events the slower of the two processors has yet to apply. */
  behind: number;
  /** RSS in MiB of each watched process, by name. */
  rss: Record<string, number | null>;
}

/** Samples the pipeline lag and the RSS of the watched processes every `everyMs`, tagged by phase. */
export class Monitor {
  readonly samples: Sample[] = [];
  phase = 'start';
  private stopped = false;
  private readonly started = performance.now();
  private readonly loop: Promise<void>;

  constructor(
    private readonly admin: Admin,
    private readonly redis: Redis,
    private readonly version: string,
    private readonly watched: Record<string, number>,
    everyMs = 250,
  ) {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.sample().catch(() => undefined);
        await sleep(everyMs);
      }
    })();
  }

  async sample(): Promise<Sample> {
    const lag = await pipelineLag(this.admin, this.redis, this.version);
    const rss: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(this.watched)) rss[name] = await rssMiB(pid);
    const s: Sample = {
      t: (performance.now() - this.started) / 1000,
      phase: this.phase,
      lag: lag.total,
      behind: Math.max(lag.userLag, lag.itemLag),
      rss,
    };
    this.samples.push(s);
    return s;
  }

  of(phase: string): Sample[] {
    return this.samples.filter((s) => s.phase === phase);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

export const maxOf = (values: number[]): number => values.reduce((a, b) => Math.max(a, b), 0);
export const meanOf = (values: number[]): number =>
  values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
export const peakRss = (samples: Sample[], name: string): number =>
  maxOf(samples.map((s) => s.rss[name] ?? 0));
