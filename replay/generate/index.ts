import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeItems, writeUsers } from './catalog.js';
import { writeInteractions } from './interactions.js';
import { Rng } from './rng.js';

export interface GenerateOptions {
  users: number;
  items: number;
  interactions: number;
  outDir: string;
  seed?: number;
  /** Length of the window the interactions fall in. */
  days?: number;
  /** End of the window; default: a fixed time derived from the seed, so output is deterministic. */
  end?: Date;
  /** Fraction of rows (0–1) replaced by realistic bad rows. */
  dirty?: number;
}

export interface GenerateResult {
  files: { items: string; users: string; interactions: string };
  rows: { items: number; users: number; interactions: number };
  sessions: number;
  seed: number;
  window: { start: string; end: string };
}

export const DEFAULT_SEED = 42;
export const DEFAULT_DAYS = 90;
const BASE_END_MS = Date.UTC(2025, 0, 1);

/** The default end of the window: 2025-01-01T00:00:00Z plus (seed mod 365) days. */
export function defaultEnd(seed: number): Date {
  return new Date(BASE_END_MS + (((seed % 365) + 365) % 365) * 86_400_000);
}

function positiveInt(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, got ${n}`);
}

/**
 * Writes items.csv, users.csv and interactions.csv. Each file has its own random stream derived
 * from the seed, so the same seed gives byte-identical files (and changing --interactions does
 * not change the catalog).
 */
export async function generateDataset(options: GenerateOptions): Promise<GenerateResult> {
  positiveInt('users', options.users);
  positiveInt('items', options.items);
  positiveInt('interactions', options.interactions);
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number, got ${seed}`);
  const days = options.days ?? DEFAULT_DAYS;
  if (!(days > 0)) throw new Error(`--days must be positive, got ${days}`);
  const dirty = options.dirty ?? 0;
  if (!(dirty >= 0 && dirty <= 1))
    throw new Error(`--dirty must be a fraction between 0 and 1, got ${dirty}`);
  const end = options.end ?? defaultEnd(seed);
  const endMs = end.getTime();
  if (Number.isNaN(endMs)) throw new Error('--end is not a valid time');

  await mkdir(options.outDir, { recursive: true });
  const files = {
    items: path.join(options.outDir, 'items.csv'),
    users: path.join(options.outDir, 'users.csv'),
    interactions: path.join(options.outDir, 'interactions.csv'),
  };
  const { catalog, rows: itemRows } = await writeItems(
    files.items,
    options.items,
    new Rng(seed * 3 + 1),
    dirty,
  );
  const { audience, rows: userRows } = await writeUsers(
    files.users,
    options.users,
    new Rng(seed * 3 + 2),
    endMs,
    days,
    dirty,
  );
  const { rows, sessions } = await writeInteractions(
    files.interactions,
    options.interactions,
    new Rng(seed * 3 + 3),
    catalog,
    audience,
    endMs,
    days,
    dirty,
  );
  return {
    files,
    rows: { items: itemRows, users: userRows, interactions: rows },
    sessions,
    seed,
    window: { start: new Date(endMs - days * 86_400_000).toISOString(), end: end.toISOString() },
  };
}
