import { describe, expect, it } from 'vitest';
import { RatePacer } from '../../../replay/rate.js';

/** A pacer on a fake clock: sleeping advances the clock, and the sleeps are recorded. */
function fakePacer(perSecond: number): { pacer: RatePacer; sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  const pacer = new RatePacer(
    perSecond,
    () => now,
    async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  );
  return { pacer, sleeps };
}

describe('--rate pacing', () => {
  it('spaces slices so that N records take N / rate seconds', async () => {
    const { pacer, sleeps } = fakePacer(1000);
    expect(pacer.sliceSize).toBe(100);
    for (let i = 0; i < 10; i++) await pacer.take(100);
    // The first slice goes at once; each later one waits 100 ms.
    expect(sleeps).toEqual(Array(9).fill(100));
  });

  it('does not wait when the sender is slower than the rate', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new RatePacer(
      10,
      () => now,
      async (ms) => {
        sleeps.push(ms);
      },
    );
    await pacer.take(1);
    now += 5000;
    await pacer.take(1);
    expect(sleeps).toEqual([]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RatePacer(0)).toThrow(/positive/);
  });
});
