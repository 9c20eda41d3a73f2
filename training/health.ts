/**
 * Whether the trainer can do its job now, and if not why: the trainer reports the result as the
 * health component `trainer` (lib/health.ts), which `recostream trainer --health-port` serves at
 * GET /health and `recostream up` lists in /ready. docs/OPERATIONS.md (Monitoring) documents the
 * definition for operators; this is its one implementation.
 *
 * Healthy means all of:
 * - the daemon has started and is not stopping;
 * - every dependency check of the last round passed (Kafka answers; a ClickHouse sink consumes
 *   when runs wait for one; Redis is connected when the trainer uses it; whatever the process
 *   adds: schema registry, ClickHouse);
 * - the change tracker is tailing the active version's feature topics (they exist, and its
 *   consumer is not crashed or restarting);
 * - the newest run did not fail to start — fail before its snapshot was taken, i.e. while reading
 *   its inputs — unless a check round that began after that failure passed entirely: the failure
 *   points at an outage, and the outage is over once everything answers again. A run that fails
 *   later (no labels yet, a model error) is an outcome, counted in the metrics and recorded with
 *   its error, not a reason to restart or replace the trainer.
 */

/** A dependency the trainer needs: `check` throws when it does not answer or cannot serve. */
export interface HealthCheck {
  name: string;
  /** What a failure means, put before the error: `kafka unreachable: Connection error: ...`. */
  failure: string;
  check(): Promise<unknown>;
}

export interface CheckResult {
  ok: boolean;
  /** The failure, or null. */
  problem: string | null;
}

export interface TrainerHealthInput {
  state: 'starting' | 'idle' | 'running' | 'closed';
  /** The active version's feature topics. */
  topics: readonly string[];
  tracking: { running: boolean; error: string | null };
  /** The last check round's results by check name (empty before the first round). */
  checks: ReadonlyMap<string, CheckResult>;
  /** The newest run, when it failed before its snapshot was taken and no check round has passed since. */
  failedStart: { runId: string; error: string } | null;
}

export interface TrainerHealth {
  healthy: boolean;
  /** Every problem, joined with '; ' (null when healthy). */
  reason: string | null;
  /** Each check, `tracking` and `last_run`: 'ok' or the problem. */
  checks: Record<string, string>;
}

export function evaluateTrainerHealth(input: TrainerHealthInput): TrainerHealth {
  const problems: string[] = [];
  const checks: Record<string, string> = {};
  if (input.state === 'starting') problems.push('starting');
  if (input.state === 'closed') problems.push('stopping');
  for (const [name, result] of input.checks) {
    checks[name] = result.ok ? 'ok' : (result.problem ?? 'failed');
    if (!result.ok) problems.push(checks[name]);
  }
  const tracking = trackingProblem(input);
  checks.tracking = tracking ?? 'ok';
  if (tracking !== null && input.state !== 'closed') problems.push(tracking);
  if (input.failedStart) {
    checks.last_run = `last run ${input.failedStart.runId} failed to start: ${input.failedStart.error}`;
    problems.push(checks.last_run);
  } else {
    checks.last_run = 'ok';
  }
  return {
    healthy: problems.length === 0,
    reason: problems.length === 0 ? null : problems.join('; '),
    checks,
  };
}

function trackingProblem(input: TrainerHealthInput): string | null {
  if (input.tracking.running && input.tracking.error === null) return null;
  const what = `not tailing ${input.topics.join(' and ')}`;
  if (input.tracking.error !== null) return `${what}: ${input.tracking.error}`;
  return input.state === 'starting' ? null : `${what}: not started`;
}

/** An error's message with its cause's code ("fetch failed (ECONNREFUSED)"): what an operator needs. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause?.code ?? cause?.message;
  return typeof detail === 'string' && !err.message.includes(detail)
    ? `${err.message} (${detail})`
    : err.message;
}
