import cliProgress from 'cli-progress';
import type { Logger } from '../lib/logger.js';
import type { ReplayProgress } from './replay.js';

/** Renders replay progress: a bar on a terminal, periodic log lines otherwise. */
export interface ProgressView {
  update(progress: ReplayProgress): void;
  stop(): void;
}

function rate(rows: number, startedAt: number): number {
  const seconds = (performance.now() - startedAt) / 1000;
  return seconds > 0 ? Math.round(rows / seconds) : 0;
}

/** A cli-progress bar over the file's bytes (compressed bytes for .gz), with rows/s and counts. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        '{phase} {bar} {percentage}% | {rowsPerSec} rows/s | accepted {accepted} | rejected {rejected} | dup {duplicates} | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let startedAt = performance.now();
  let phase = '';
  return {
    update(p) {
      const total = p.totalBytes ?? Math.max(p.bytesRead, 1);
      const payload = {
        phase: p.phase === 'validate' ? 'validating' : 'replaying ',
        rowsPerSec: rate(p.rowsRead, startedAt),
        accepted: p.accepted,
        rejected: p.rejected,
        duplicates: p.duplicates,
      };
      if (!started || phase !== p.phase) {
        if (started) bar.stop();
        bar.start(total, 0, payload);
        started = true;
        phase = p.phase;
        startedAt = performance.now();
      }
      bar.setTotal(total);
      bar.update(Math.min(p.bytesRead, total), payload);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** One structured log line every `everyMs` (and at the end) when no one watches a terminal. */
export function logProgress(logger: Logger, everyMs = 5000): ProgressView {
  let last = 0;
  let latest: ReplayProgress | null = null;
  const startedAt = performance.now();
  const line = (p: ReplayProgress): void => {
    logger.info(
      {
        phase: p.phase,
        line: p.line,
        rowsRead: p.rowsRead,
        accepted: p.accepted,
        rejected: p.rejected,
        duplicates: p.duplicates,
        produced: p.produced,
        rowsPerSec: rate(p.rowsRead, startedAt),
        percent: p.totalBytes ? Math.round((1000 * p.bytesRead) / p.totalBytes) / 10 : null,
      },
      'replay progress',
    );
  };
  return {
    update(p) {
      latest = p;
      const now = performance.now();
      if (now - last >= everyMs) {
        last = now;
        line(p);
      }
    },
    stop() {
      if (latest) line(latest);
      latest = null;
    },
  };
}
