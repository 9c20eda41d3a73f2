/**
 * Paces sends to at most `perSecond` records per second on average (the `--rate` option: a
 * live-like replay rather than as fast as the broker accepts).
 */
export class RatePacer {
  private readonly startedAt: number;
  private granted = 0;

  constructor(
    readonly perSecond: number,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(perSecond > 0)) throw new Error(`--rate must be a positive number, got ${perSecond}`);
    this.startedAt = clock();
  }

  /** Slice size that keeps the pacing smooth (about a tenth of a second of records). */
  get sliceSize(): number {
    return Math.max(1, Math.floor(this.perSecond / 10));
  }

  /** Waits until `count` more records may be sent. */
  async take(count: number): Promise<void> {
    const due = this.startedAt + (this.granted / this.perSecond) * 1000;
    this.granted += count;
    const wait = due - this.clock();
    if (wait > 0) await this.sleep(wait);
  }
}
