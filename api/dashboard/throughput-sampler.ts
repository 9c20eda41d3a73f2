import type { Logger } from '../../lib/logger.js';
import type { RateHistory } from './rate-history.js';

/** Cumulative counts the sampler turns into per-second rates. */
export interface ThroughputSources {
  /** Records ever appended to the input topic (sum of its partitions' end offsets); throws when the broker does not answer. */
  appendedRecords(): Promise<number>;
  /** Events applied so far, per processor. */
  processedEvents(): Promise<Record<string, number>>;
}

interface Reading {
  t: number;
  appended: number | null;
  processed: Record<string, number>;
}

export interface ThroughputSamplerOptions {
  intervalMs?: number;
  now?: () => number;
  logger: Logger;
}

/**
 * Every `intervalMs`, reads the cumulative counts and appends their rates since the previous
 * reading to the history. A tick that is still waiting for the broker when the next one is due
 * is not doubled: the next tick is skipped, and the rate of the one after covers the whole gap.
 */
export class ThroughputSampler {
  private previous: Reading | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private readonly now: () => number;
  private brokerDown = false;

  constructor(
    private readonly history: RateHistory,
    private readonly sources: ThroughputSources,
    private readonly options: ThroughputSamplerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 1000);
    // Sampling must never keep a process alive that is otherwise done.
    this.timer.unref();
  }

  /** Stops sampling and waits for a reading in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One reading; exposed so tests can drive the sampler with their own clock. */
  tick(): Promise<void> {
    this.running ??= this.read().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async read(): Promise<void> {
    const [appended, processed] = await Promise.all([
      this.sources.appendedRecords().then(
        (n) => {
          if (this.brokerDown) this.options.logger.info('dashboard sampler: the broker answers again');
          this.brokerDown = false;
          return n;
        },
        (err: unknown) => {
          if (!this.brokerDown)
            this.options.logger.warn({ err }, 'dashboard sampler: no end offsets from the broker');
          this.brokerDown = true;
          return null;
        },
      ),
      this.sources.processedEvents().catch(() => ({})),
    ]);
    const current: Reading = { t: this.now(), appended, processed };
    const previous = this.previous;
    this.previous = current;
    if (!previous) return;
    const seconds = (current.t - previous.t) / 1000;
    if (!(seconds > 0)) return;
    const rate = (now: number, before: number) => Math.max(0, now - before) / seconds;
    const processedRates: Record<string, number> = {};
    for (const [name, total] of Object.entries(processed)) {
      // A processor that appeared since the last reading had applied nothing then.
      processedRates[name] = rate(total, previous.processed[name] ?? 0);
    }
    this.history.push({
      t: current.t,
      in: appended !== null && previous.appended !== null ? rate(appended, previous.appended) : null,
      processed: processedRates,
    });
  }
}
