/**
 * When the trainer starts a run on its own: a pure decision over what changed since the last run
 * and how long ago it was, so that the thresholds are testable without a broker or a real clock.
 */

export interface TriggerPolicy {
  /** Changed users + items (distinct keys) that, with `minIntervalMs`, start a run. */
  minChangedEntities: number;
  /** No policy run sooner than this after the previous run started. */
  minIntervalMs: number;
  /** While at least one entity changed, a run at the latest this long after the previous one. */
  maxIntervalMs: number;
}

export const DEFAULT_TRIGGER_POLICY: Readonly<TriggerPolicy> = Object.freeze({
  minChangedEntities: 1000,
  minIntervalMs: 10 * 60_000,
  maxIntervalMs: 24 * 3_600_000,
});

/** Why a run started; the TrainingRun record's `trigger`. */
export type TriggerReason = 'changed_entities' | 'max_interval' | 'manual';

export interface TriggerState {
  /** Distinct feature keys changed since the last run's snapshot. */
  changedEntities: number;
  /**
   * When the previous run started (epoch ms), or when the trainer started if it never ran: the
   * maximum interval is measured from there, so a fresh trainer does not train at once on a
   * trickle of changes.
   */
  lastRunAt: number | null;
  startedAt: number;
}

/** The policy from the trainer's configuration (lib/config.ts `training`). */
export function policyFromConfig(config: {
  minChangedEntities: number;
  minIntervalMinutes: number;
  maxIntervalHours: number;
}): TriggerPolicy {
  return validatePolicy({
    minChangedEntities: config.minChangedEntities,
    minIntervalMs: config.minIntervalMinutes * 60_000,
    maxIntervalMs: config.maxIntervalHours * 3_600_000,
  });
}

/** Throws a RangeError naming the first unusable setting. */
export function validatePolicy(policy: TriggerPolicy): TriggerPolicy {
  if (!Number.isInteger(policy.minChangedEntities) || policy.minChangedEntities < 1)
    throw new RangeError(`minChangedEntities must be a whole number ≥ 1 (got ${policy.minChangedEntities})`);
  if (!(policy.minIntervalMs >= 0))
    throw new RangeError(`minIntervalMs must be ≥ 0 (got ${policy.minIntervalMs})`);
  if (!(policy.maxIntervalMs > 0))
    throw new RangeError(`maxIntervalMs must be > 0 (got ${policy.maxIntervalMs})`);
  if (policy.maxIntervalMs < policy.minIntervalMs)
    throw new RangeError(
      `maxIntervalMs (${policy.maxIntervalMs}) must not be shorter than minIntervalMs (${policy.minIntervalMs})`,
    );
  return policy;
}

/**
 * The policy's decision at `now`: `changed_entities` when enough entities changed and the
 * minimum interval has passed since the last run (a trainer that never ran has no interval to
 * wait); `max_interval` when anything changed and the maximum interval has passed; else null.
 * Nothing changed: no run, however long ago the last one was (the model would be the same).
 */
export function decideTrigger(policy: TriggerPolicy, state: TriggerState, now: number): TriggerReason | null {
  if (state.changedEntities === 0) return null;
  const sinceLastRun = state.lastRunAt === null ? Number.POSITIVE_INFINITY : now - state.lastRunAt;
  if (state.changedEntities >= policy.minChangedEntities && sinceLastRun >= policy.minIntervalMs)
    return 'changed_entities';
  const sinceReference = now - (state.lastRunAt ?? state.startedAt);
  if (sinceReference >= policy.maxIntervalMs) return 'max_interval';
  return null;
}
