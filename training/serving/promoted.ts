import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile, open } from 'node:fs/promises';
import path from 'node:path';
import type { MetricTable } from '../evaluate.js';
import type { ModelKind } from '../models/index.js';

/**
 * The promoted-model pointer: DATA_DIR/models/promoted.json names the model that serves
 * recommendations — its run, its artifact directory and checksum, and the validation metrics it
 * was promoted on (what the next candidate has to beat). It is replaced atomically (write a
 * temporary file, fsync, rename), so a reader sees the old pointer or the new one, never half.
 */

export interface PromotedModel {
  run_id: string;
  model: ModelKind;
  /** The model's artifact directory (DATA_DIR/models/<run_id>/<model>). */
  artifact_path: string;
  /** SHA-256 of that directory; a loader refuses an artifact that no longer matches. */
  artifact_checksum: string;
  feature_version: string;
  /** The promotion metric at the time (e.g. ndcg@10). */
  metric: string;
  /** The model's selection metrics (validation; k-fold: cross-validated test means). */
  metrics: MetricTable;
  promoted_at: number;
}

export function modelsDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

export function promotedPath(dataDir: string): string {
  return path.join(modelsDir(dataDir), 'promoted.json');
}

export async function readPromoted(dataDir: string): Promise<PromotedModel | null> {
  let text: string;
  try {
    text = await readFile(promotedPath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const value = JSON.parse(text) as Partial<PromotedModel>;
  if (
    typeof value.run_id !== 'string' ||
    typeof value.artifact_path !== 'string' ||
    typeof value.model !== 'string'
  )
    throw new Error(`${promotedPath(dataDir)} is not a promoted-model pointer`);
  return value as PromotedModel;
}

export async function writePromoted(dataDir: string, promoted: PromotedModel): Promise<void> {
  const target = promotedPath(dataDir);
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(promoted, null, 2) + '\n');
    const handle = await open(temporary, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
