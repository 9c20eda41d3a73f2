/**
 * The last N per-second samples of the pipeline's throughput, oldest first: what the dashboard's
 * "events/s" chart shows. Prometheus keeps no history in the process, so the API samples its
 * counters itself; a fixed ring keeps memory constant however long the process runs.
 */

export interface RateSample {
  /** Wall time of the sample (epoch ms). */
  t: number;
  /** Records appended to the `interactions` topic per second; null when the broker did not answer. */
  in: number | null;
  /** Events applied per second, per processor (user-features, item-features). */
  processed: Record<string, number>;
}

export class RateHistory {
  private readonly ring: (RateSample | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.ring = new Array<RateSample | undefined>(capacity);
  }

  push(sample: RateSample): void {
    this.ring[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Samples newer than `after` (epoch ms; all when omitted), oldest first. */
  since(after = Number.NEGATIVE_INFINITY): RateSample[] {
    const out: RateSample[] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) {
      const sample = this.ring[(start + i) % this.capacity]!;
      if (sample.t > after) out.push(sample);
    }
    return out;
  }

  latest(): RateSample | undefined {
    return this.size === 0 ? undefined : this.ring[(this.next - 1 + this.capacity) % this.capacity];
  }
}

/** Samples as columns (what a chart plots): one array per series, aligned on `t`. */
export interface RateColumns {
  t: number[];
  in: (number | null)[];
  /** Per processor; 0 where a sample predates the processor's first event. */
  processed: Record<string, number[]>;
}

const tenth = (n: number) => Math.round(n * 10) / 10;

export function rateColumns(samples: readonly RateSample[]): RateColumns {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.processed)))].sort();
  const processed: Record<string, number[]> = {};
  for (const name of names) processed[name] = samples.map((s) => tenth(s.processed[name] ?? 0));
  return {
    t: samples.map((s) => s.t),
    in: samples.map((s) => (s.in === null ? null : tenth(s.in))),
    processed,
  };
}
