import { describe, expect, it } from 'vitest';
import {
  decideTrigger,
  policyFromConfig,
  validatePolicy,
  type TriggerPolicy,
} from '../../../training/trigger/policy.js';

const MINUTE = 60_000;
const policy: TriggerPolicy = {
  minChangedEntities: 1000,
  minIntervalMs: 10 * MINUTE,
  maxIntervalMs: 24 * 60 * MINUTE,
};
const T = Date.UTC(2024, 0, 1);

describe('trigger policy', () => {
  it('fires on enough changes once the minimum interval since the last run has passed', () => {
    const state = { changedEntities: 1000, lastRunAt: T, startedAt: T - 60 * MINUTE };
    expect(decideTrigger(policy, { ...state, changedEntities: 999 }, T + 10 * MINUTE)).toBeNull();
    expect(decideTrigger(policy, state, T + 10 * MINUTE - 1)).toBeNull();
    expect(decideTrigger(policy, state, T + 10 * MINUTE)).toBe('changed_entities');
  });

  it('has no minimum interval to wait before the first run', () => {
    expect(decideTrigger(policy, { changedEntities: 1000, lastRunAt: null, startedAt: T }, T)).toBe(
      'changed_entities',
    );
  });

  it('fires after the maximum interval while anything changed, counted from the last run or the start', () => {
    const day = 24 * 60 * MINUTE;
    expect(decideTrigger(policy, { changedEntities: 1, lastRunAt: T, startedAt: T }, T + day - 1)).toBeNull();
    expect(decideTrigger(policy, { changedEntities: 1, lastRunAt: T, startedAt: T }, T + day)).toBe(
      'max_interval',
    );
    expect(
      decideTrigger(policy, { changedEntities: 1, lastRunAt: null, startedAt: T }, T + day - 1),
    ).toBeNull();
    expect(decideTrigger(policy, { changedEntities: 1, lastRunAt: null, startedAt: T }, T + day)).toBe(
      'max_interval',
    );
  });

  it('never fires without changes', () => {
    expect(
      decideTrigger(policy, { changedEntities: 0, lastRunAt: T, startedAt: T }, T + 1000 * 24 * 60 * MINUTE),
    ).toBeNull();
  });

  it('is built from the configuration and refuses unusable settings', () => {
    expect(
      policyFromConfig({ minChangedEntities: 50, minIntervalMinutes: 0.5, maxIntervalHours: 2 }),
    ).toEqual({
      minChangedEntities: 50,
      minIntervalMs: 30_000,
      maxIntervalMs: 7_200_000,
    });
    expect(() => validatePolicy({ ...policy, minChangedEntities: 0 })).toThrow(/minChangedEntities/);
    expect(() => validatePolicy({ ...policy, minIntervalMs: Number.NaN })).toThrow(/minIntervalMs/);
    expect(() => validatePolicy({ ...policy, maxIntervalMs: 5 * MINUTE })).toThrow(/must not be shorter/);
  });
});
