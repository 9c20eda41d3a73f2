/**
 * How many unexpected worker exits the API tolerates: at most `max` within any `windowMs`. A
 * worker that dies now and then is replaced; workers that keep dying (a dependency refusing every
 * start, a bug hit by every request) stop the API instead of restarting forever.
 */
export class RestartBudget {
  private readonly exits: number[] = [];

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Records an exit at `now` (ms); false once the exits within the window exceed the budget. */
  allow(now: number): boolean {
    this.exits.push(now);
    while (this.exits.length > 0 && this.exits[0]! <= now - this.windowMs) this.exits.shift();
    return this.exits.length <= this.max;
  }

  /** Exits counted within the window as of the last `allow`. */
  get recent(): number {
    return this.exits.length;
  }
}
