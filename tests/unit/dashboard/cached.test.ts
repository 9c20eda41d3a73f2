import { describe, expect, it } from 'vitest';
import { Cached } from '../../../api/dashboard/cached.js';

describe('Cached', () => {
  it('computes once per ttl, shares a computation in flight, and does not keep a failure', async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const cached = new Cached(
      async () => {
        calls++;
        if (fail) throw new Error('down');
        return calls;
      },
      1000,
      () => now,
    );
    expect(await Promise.all([cached.get(), cached.get()])).toEqual([1, 1]);
    now = 999;
    expect(await cached.get()).toBe(1);
    now = 1000;
    fail = true;
    await expect(cached.get()).rejects.toThrow('down');
    fail = false;
    expect(await cached.get()).toBe(3);
    expect(calls).toBe(3);
  });
});
