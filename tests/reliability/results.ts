import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';

/**
 * The suite's own record of what it proved: every case writes one JSON file under
 * test-output/reliability/ once its assertions have passed, and `npm run reliability:report`
 * renders them into the table of docs/RELIABILITY.md. A case that fails writes nothing, so the
 * table never shows a figure from a run that did not hold.
 */

export const RESULTS_DIR = path.resolve(import.meta.dirname, '..', '..', 'test-output', 'reliability');

export type ResultGroup = 'crash' | 'disk' | 'load' | 'input' | 'security';

export interface CaseResult {
  /** File name and sort key, e.g. `crash-processor-sigkill`. */
  id: string;
  group: ResultGroup;
  /** The fault or the input. */
  fault: string;
  /** How the suite injects it. */
  injection: string;
  /** What must hold afterwards (what the assertions check). */
  mustHold: string;
  /** The measured outcome in words, figures included. */
  result: string;
  /** The same figures, machine-readable. */
  figures: Record<string, number | string | boolean | null>;
}

export interface RecordedResult extends CaseResult {
  recordedAt: string;
  machine: { cpus: number; loadAverage1m: number; node: string };
}

export function recordResult(result: CaseResult): void {
  const recorded: RecordedResult = {
    ...result,
    recordedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAverage1m: round(loadavg()[0] ?? 0, 2), node: process.version },
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, `${result.id}.json`), `${JSON.stringify(recorded, null, 2)}\n`);
  // Printed too, so a run's figures are in its log whatever happens to the files.
  process.stdout.write(`[reliability] ${result.id}: ${result.result}\n`);
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Milliseconds since `start` (performance.now()) as seconds with one decimal, for figures. */
export function secondsSince(start: number): number {
  return round((performance.now() - start) / 1000, 1);
}
