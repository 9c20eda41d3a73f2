/**
 * Time as the coordinator sees it: injected so that tests drive session and rebalance timeouts
 * with a fake clock instead of waiting.
 */
export interface Scheduler {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  schedule(ms: number, fn: () => void): () => void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, ms);
    // Group timers must not keep a process alive that is otherwise done (tests, CLI shutdown).
    t.unref();
    return () => clearTimeout(t);
  },
};
