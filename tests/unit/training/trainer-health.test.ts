import { describe, expect, it } from 'vitest';
import {
  errorText,
  evaluateTrainerHealth,
  type CheckResult,
  type TrainerHealthInput,
} from '../../../training/health.js';

const ok: CheckResult = { ok: true, problem: null };

function input(overrides: Partial<TrainerHealthInput> = {}): TrainerHealthInput {
  return {
    state: 'idle',
    topics: ['user-features.v1', 'item-features.v1'],
    tracking: { running: true, error: null },
    checks: new Map([
      ['kafka', ok],
      ['redis', ok],
    ]),
    failedStart: null,
    ...overrides,
  };
}

describe('the trainer health', () => {
  it('is healthy while it runs, every check passes and the feature topics are tailed', () => {
    expect(evaluateTrainerHealth(input())).toEqual({
      healthy: true,
      reason: null,
      checks: { kafka: 'ok', redis: 'ok', tracking: 'ok', last_run: 'ok' },
    });
    expect(evaluateTrainerHealth(input({ state: 'running' })).healthy).toBe(true);
  });

  it('gives every problem, in order, as the reason', () => {
    const health = evaluateTrainerHealth(
      input({
        checks: new Map([
          ['kafka', { ok: false, problem: 'kafka unreachable: Connection error' }],
          ['redis', ok],
        ]),
        tracking: { running: true, error: 'Kafka consumer restarting after: Connection error' },
        failedStart: { runId: 'run-1', error: 'could not publish run run-1' },
      }),
    );
    expect(health.healthy).toBe(false);
    expect(health.reason).toBe(
      'kafka unreachable: Connection error; ' +
        'not tailing user-features.v1 and item-features.v1: Kafka consumer restarting after: Connection error; ' +
        'last run run-1 failed to start: could not publish run run-1',
    );
    expect(health.checks).toMatchObject({ kafka: 'kafka unreachable: Connection error', redis: 'ok' });
  });

  it('is unhealthy while the feature topics are not tailed', () => {
    const missing = evaluateTrainerHealth(
      input({ tracking: { running: false, error: 'feature topic(s) user-features.v1 do not exist yet' } }),
    );
    expect(missing.reason).toBe(
      'not tailing user-features.v1 and item-features.v1: feature topic(s) user-features.v1 do not exist yet',
    );
    expect(evaluateTrainerHealth(input({ tracking: { running: false, error: null } })).reason).toBe(
      'not tailing user-features.v1 and item-features.v1: not started',
    );
  });

  it('is unhealthy while starting and while stopping', () => {
    expect(
      evaluateTrainerHealth(input({ state: 'starting', tracking: { running: false, error: null } })).reason,
    ).toBe('starting');
    // A stopping trainer has stopped tailing on purpose: only that it stops is said.
    expect(
      evaluateTrainerHealth(input({ state: 'closed', tracking: { running: false, error: null } })).reason,
    ).toBe('stopping');
  });
});

describe('errorText', () => {
  it("adds the cause's code, which is what says why a fetch failed", () => {
    const err = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(errorText(err)).toBe('fetch failed (ECONNREFUSED)');
    expect(errorText(new Error('Connection error: connect ECONNREFUSED'))).toBe(
      'Connection error: connect ECONNREFUSED',
    );
    expect(errorText('plain')).toBe('plain');
  });
});
