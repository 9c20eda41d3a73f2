import { describe, expect, it } from 'vitest';
import { RestartBudget } from '../../../api/cluster/restart-budget.js';

describe('API worker restart budget', () => {
  it('allows up to max exits within the window and refuses the next', () => {
    const budget = new RestartBudget(3, 60_000);
    expect([0, 1_000, 2_000].map((t) => budget.allow(t))).toEqual([true, true, true]);
    expect(budget.allow(3_000)).toBe(false);
    expect(budget.recent).toBe(4);
  });

  it('forgets exits older than the window', () => {
    const budget = new RestartBudget(2, 10_000);
    expect(budget.allow(0)).toBe(true);
    expect(budget.allow(5_000)).toBe(true);
    // The exit at 0 is out of the window at 10,000: two recent exits, within the budget.
    expect(budget.allow(10_000)).toBe(true);
    expect(budget.recent).toBe(2);
    expect(budget.allow(12_000)).toBe(false);
  });

  it('with a budget of 0 refuses the first exit', () => {
    expect(new RestartBudget(0, 1_000).allow(0)).toBe(false);
  });
});
