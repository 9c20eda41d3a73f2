import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.js';
import { RateHistory } from '../../../api/dashboard/rate-history.js';
import { ThroughputSampler } from '../../../api/dashboard/throughput-sampler.js';

/** A sampler over counters the test sets, on a clock the test moves. */
function fixture() {
  const state = {
    now: 0,
    appended: 0 as number | Error,
    processed: {} as Record<string, number>,
  };
  const history = new RateHistory(100);
  const sampler = new ThroughputSampler(
    history,
    {
      appendedRecords: async () => {
        if (state.appended instanceof Error) throw state.appended;
        return state.appended;
      },
      processedEvents: async () => ({ ...state.processed }),
    },
    { now: () => state.now, logger: silentLogger },
  );
  return { state, history, sampler };
}

describe('ThroughputSampler', () => {
  it('turns cumulative counts into per-second rates from the second reading on', async () => {
    const { state, history, sampler } = fixture();
    state.appended = 100;
    state.processed = { 'user-features': 40 };
    await sampler.tick();
    expect(history.length).toBe(0);

    state.now = 2000;
    state.appended = 300;
    state.processed = { 'user-features': 140, 'item-features': 60 };
    await sampler.tick();
    expect(history.since()).toEqual([
      // A processor first seen now had applied nothing at the previous reading.
      { t: 2000, in: 100, processed: { 'user-features': 50, 'item-features': 30 } },
    ]);
  });

  it('records no input rate while the broker does not answer, and resumes after', async () => {
    const { state, history, sampler } = fixture();
    await sampler.tick();
    state.now = 1000;
    state.appended = new Error('broker down');
    await sampler.tick();
    state.now = 2000;
    state.appended = 10;
    await sampler.tick();
    state.now = 3000;
    state.appended = 15;
    await sampler.tick();
    expect(history.since().map((s) => s.in)).toEqual([null, null, 5]);
  });

  it('never reports a negative rate when a counter goes back (a topic recreated)', async () => {
    const { state, history, sampler } = fixture();
    state.appended = 50;
    await sampler.tick();
    state.now = 1000;
    state.appended = 0;
    await sampler.tick();
    expect(history.latest()?.in).toBe(0);
  });

  it('does not read twice at once: a tick while one is in flight shares it', async () => {
    const { state, history, sampler } = fixture();
    await sampler.tick();
    state.now = 1000;
    state.appended = 5;
    await Promise.all([sampler.tick(), sampler.tick()]);
    expect(history.length).toBe(1);
  });
});
