/**
 * The quality score of a file, 0–100 (docs/REPLAY.md):
 *
 *   score = 100 × (0.70 × validity + 0.15 × uniqueness + 0.15 × completeness)
 *   validity     = accepted / (accepted + rejected)        — rows that became records
 *   uniqueness   = 1 − duplicates / rows_read              — rows that were not repeats
 *   completeness = 1 − empty cells / cells                 — over the columns that feed a field,
 *                                                            in rows that could be read
 *
 * Validity dominates: a rejected row is lost data. An empty file scores 0 (nothing to replay is
 * a problem of the export). Each part is 1 when its denominator is 0.
 */
export const SCORE_FORMULA =
  'score = 100 × (0.70 × validity + 0.15 × uniqueness + 0.15 × completeness); ' +
  'validity = accepted / (accepted + rejected); uniqueness = 1 − duplicates / rows_read; ' +
  'completeness = 1 − empty cells / cells, over the columns that feed a field';

export const SCORE_WEIGHTS = { validity: 0.7, uniqueness: 0.15, completeness: 0.15 } as const;

export interface ScoreInputs {
  rowsRead: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  cells: number;
  emptyCells: number;
}

export interface QualityScore {
  score: number;
  validity: number;
  uniqueness: number;
  completeness: number;
  formula: string;
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 1 : part / whole;
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function qualityScore(i: ScoreInputs): QualityScore {
  const validity = ratio(i.accepted, i.accepted + i.rejected);
  const uniqueness = 1 - ratio(i.duplicates, i.rowsRead || 1);
  const completeness = 1 - ratio(i.emptyCells, i.cells || 1);
  const weighted =
    SCORE_WEIGHTS.validity * validity +
    SCORE_WEIGHTS.uniqueness * uniqueness +
    SCORE_WEIGHTS.completeness * completeness;
  return {
    score: i.rowsRead === 0 ? 0 : round(100 * weighted, 1),
    validity: round(validity, 4),
    uniqueness: round(uniqueness, 4),
    completeness: round(completeness, 4),
    formula: SCORE_FORMULA,
  };
}
