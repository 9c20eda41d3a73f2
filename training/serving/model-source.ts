import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../lib/logger.js';
import { silentLogger } from '../../lib/logger.js';
import { checksumArtifact, loadModel, type Recommender } from '../models/index.js';
import { modelsDir, promotedPath, readPromoted, type PromotedModel } from './promoted.js';

/**
 * The promoted model for serving, following the pointer file: a reader that polls
 * DATA_DIR/models/promoted.json (one stat per `pollMs` at most), loads a newly promoted artifact in
 * the background, verifies its checksum and swaps it in — the API serves the new model without a
 * restart and never serves half a swap. A broken or tampered artifact is refused (logged) and the
 * previous model keeps serving. Shaped as the API's ServedModelSource (api/recommend/types.ts).
 */

export interface ServedModel {
  runId: string;
  model: Recommender;
}

export interface PromotedModelSource {
  /** The model to serve now; null while none has been promoted (or none could be loaded). */
  current(): Promise<ServedModel | null>;
  /** The pointer the served model was loaded from. */
  pointer(): PromotedModel | null;
}

export interface PromotedModelSourceOptions {
  dataDir: string;
  /** Look at the pointer file at most this often (default 1 s). */
  pollMs?: number;
  logger?: Logger;
  /** Verify the artifact's checksum before serving it (default true). */
  verifyChecksum?: boolean;
}

export function promotedModelSource(opts: PromotedModelSourceOptions): PromotedModelSource {
  const log = (opts.logger ?? silentLogger).child({ part: 'served-model' });
  const pollMs = opts.pollMs ?? 1000;
  const file = promotedPath(opts.dataDir);
  let served: { pointer: PromotedModel; model: ServedModel } | null = null;
  /** mtime+size of the pointer file last read (or failed): the same stamp is not read again. */
  let seenStamp: string | null = null;
  let lastCheck = Number.NEGATIVE_INFINITY;
  let checking: Promise<void> | null = null;

  async function refresh(): Promise<void> {
    let stamp: string;
    try {
      const s = await stat(file);
      stamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return;
    }
    if (stamp === seenStamp) return;
    seenStamp = stamp;
    const pointer = await readPromoted(opts.dataDir);
    if (
      !pointer ||
      (served && served.pointer.run_id === pointer.run_id && served.pointer.model === pointer.model)
    )
      return;
    const artifact = await artifactDir(opts.dataDir, pointer);
    if (opts.verifyChecksum !== false) {
      const checksum = await checksumArtifact(artifact);
      if (checksum !== pointer.artifact_checksum) {
        log.error(
          {
            run: pointer.run_id,
            path: artifact,
            expected: pointer.artifact_checksum,
            found: checksum,
          },
          'the promoted artifact does not match its checksum; keeping the served model',
        );
        return;
      }
    }
    const model = await loadModel(artifact);
    served = { pointer, model: { runId: pointer.run_id, model } };
    log.info({ run: pointer.run_id, model: pointer.model }, 'serving the promoted model');
  }

  return {
    async current() {
      const now = Date.now();
      if (now - lastCheck >= pollMs && !checking) {
        lastCheck = now;
        checking = refresh()
          .catch((err: unknown) =>
            log.error({ err }, 'could not load the promoted model; keeping the served one'),
          )
          .finally(() => {
            checking = null;
          });
      }
      // A check in progress is awaited: a request after a promotion gets the new model (loading
      // raw arrays takes milliseconds), and concurrent requests share one check.
      if (checking) await checking;
      return served?.model ?? null;
    },
    pointer: () => served?.pointer ?? null,
  };
}

/**
 * The promoted artifact as this process sees it: the pointer's path when it exists here, else the
 * same run and model under this process's DATA_DIR/models — a trainer and an API in separate
 * containers share the models volume, possibly mounted at different paths. The checksum (over
 * relative paths and contents) is what makes either one trustworthy.
 */
async function artifactDir(dataDir: string, pointer: PromotedModel): Promise<string> {
  try {
    await stat(pointer.artifact_path);
    return pointer.artifact_path;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return path.join(modelsDir(dataDir), pointer.run_id, pointer.model);
  }
}
