import { describe, expect, it } from 'vitest';
import { qualityScore } from '../../../replay/score.js';

describe('quality score', () => {
  it('is 100 for a clean file', () => {
    expect(
      qualityScore({ rowsRead: 10, accepted: 10, rejected: 0, duplicates: 0, cells: 40, emptyCells: 0 })
        .score,
    ).toBe(100);
  });
  it('weighs validity 0.70, uniqueness 0.15, completeness 0.15', () => {
    const q = qualityScore({
      rowsRead: 100,
      accepted: 80,
      rejected: 10,
      duplicates: 10,
      cells: 1000,
      emptyCells: 100,
    });
    expect(q.validity).toBeCloseTo(80 / 90, 4);
    expect(q.uniqueness).toBe(0.9);
    expect(q.completeness).toBe(0.9);
    expect(q.score).toBe(Math.round(1000 * (0.7 * (80 / 90) + 0.15 * 0.9 + 0.15 * 0.9)) / 10);
  });
  it('is 0 for an empty file', () => {
    expect(
      qualityScore({ rowsRead: 0, accepted: 0, rejected: 0, duplicates: 0, cells: 0, emptyCells: 0 }).score,
    ).toBe(0);
  });
  it('drops below the RecoMart gate of 70 when half the rows are rejected', () => {
    expect(
      qualityScore({ rowsRead: 10, accepted: 5, rejected: 5, duplicates: 0, cells: 40, emptyCells: 0 }).score,
    ).toBe(65);
  });
});
