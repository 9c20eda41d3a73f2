import { POPULARITY_HALF_LIFE_MS, type DecayedSum } from '../../sinks/redis/feature-state.js';

/**
 * Adds `weight` at event time `time` to a decayed sum. The reference time is the latest event
 * time: an older event is decayed to it; a newer one first moves the whole sum forward. Either
 * way the value at any later clock is Σ weight × 0.5^((clock − t) / half-life), whatever order
 * the events came in.
 */
export function addDecayed(sum: DecayedSum, weight: number, time: number): void {
  if (sum.value === 0 && sum.ref === Number.NEGATIVE_INFINITY) {
    sum.value = weight;
    sum.ref = time;
  } else if (time <= sum.ref) {
    sum.value += weight * Math.pow(0.5, (sum.ref - time) / POPULARITY_HALF_LIFE_MS);
  } else {
    sum.value = sum.value * Math.pow(0.5, (time - sum.ref) / POPULARITY_HALF_LIFE_MS) + weight;
    sum.ref = time;
  }
}
