import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../../lib/logger.js';
import {
  INDEX_SUFFIX,
  LOG_SUFFIX,
  type Segment,
  TIME_INDEX_SUFFIX,
  fsyncDirectory,
  segmentFileName,
  writeFileAtomically,
} from './segment.js';

/**
 * Replacing segments with their cleaned version, so that a crash at any point loses nothing:
 *
 *   1. the cleaner writes `<base>.log.cleaned` and fsyncs it;
 *   2. a manifest `<base>.swap.json` lists the base offsets of the segments being replaced;
 *   3. the old segments' index files are removed (an index is rebuilt when missing);
 *   4. `.cleaned` is renamed to `.swap` — the commit point;
 *   5. `.swap` is renamed over `<base>.log` (the first replaced segment has the same base);
 *   6. the other replaced segments are removed, the new indexes written, the manifest removed.
 *
 * On open, `completeInterruptedSwaps` rolls an interrupted swap back (before step 4) or forward.
 */
export const CLEANED_SUFFIX = '.log.cleaned';
export const SWAP_SUFFIX = '.log.swap';
const MANIFEST_SUFFIX = '.swap.json';

interface SwapManifest {
  replaces: number[];
}

export function commitCleanedSegment(cleaned: Segment, replaced: readonly Segment[]): void {
  const dir = cleaned.dir;
  cleaned.flush();
  const manifest = path.join(dir, segmentFileName(cleaned.baseOffset, MANIFEST_SUFFIX));
  writeFileAtomically(
    manifest,
    JSON.stringify({ replaces: replaced.map((s) => s.baseOffset) } satisfies SwapManifest),
    true,
  );
  for (const old of replaced) {
    fs.rmSync(old.siblingPath(INDEX_SUFFIX), { force: true });
    fs.rmSync(old.siblingPath(TIME_INDEX_SUFFIX), { force: true });
  }
  cleaned.renameTo(SWAP_SUFFIX);
  fsyncDirectory(dir);
  cleaned.renameTo(LOG_SUFFIX);
  for (const old of replaced) {
    if (old.baseOffset === cleaned.baseOffset) old.close();
    else old.deleteFiles();
  }
  cleaned.writeIndexes();
  fs.rmSync(manifest, { force: true });
  fsyncDirectory(dir);
}

/** Finishes or undoes a segment swap that a crash interrupted; removes stray temp files. */
export function completeInterruptedSwaps(dir: string, logger: Logger): void {
  const names = fs.readdirSync(dir);
  for (const name of names) {
    if (!name.endsWith(MANIFEST_SUFFIX)) continue;
    const base = Number(name.slice(0, 20));
    const manifestPath = path.join(dir, name);
    let manifest: SwapManifest;
    try {
      manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as SwapManifest;
    } catch {
      // The manifest is written atomically before the commit point: unreadable means uncommitted.
      manifest = { replaces: [] };
    }
    const cleaned = path.join(dir, segmentFileName(base, CLEANED_SUFFIX));
    const swap = path.join(dir, segmentFileName(base, SWAP_SUFFIX));
    if (fs.existsSync(swap)) {
      logger.warn({ dir, base }, 'completing an interrupted segment swap');
      fs.renameSync(swap, path.join(dir, segmentFileName(base, LOG_SUFFIX)));
    } else if (fs.existsSync(cleaned)) {
      logger.warn({ dir, base }, 'discarding an uncommitted cleaned segment');
      fs.rmSync(cleaned, { force: true });
      fs.rmSync(manifestPath, { force: true });
      continue;
    }
    for (const old of manifest.replaces) {
      if (old !== base) fs.rmSync(path.join(dir, segmentFileName(old, LOG_SUFFIX)), { force: true });
      fs.rmSync(path.join(dir, segmentFileName(old, INDEX_SUFFIX)), { force: true });
      fs.rmSync(path.join(dir, segmentFileName(old, TIME_INDEX_SUFFIX)), { force: true });
    }
    fs.rmSync(manifestPath, { force: true });
  }
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith('.tmp') || name.endsWith(CLEANED_SUFFIX) || name.endsWith(SWAP_SUFFIX)) {
      fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}
