import cliProgress from 'cli-progress';
import type { Logger } from '../../lib/logger.js';

/** How `recostream train --wait` shows a run's progress: a bar on a terminal, else log lines. */
export interface RunProgressView {
  /** `fraction` 0..1 of the run; `message` what it is doing. */
  update(fraction: number, message: string): void;
  stop(): void;
}

export function terminalRunProgress(stream: NodeJS.WriteStream = process.stderr): RunProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'training {bar} {percentage}% | {duration_formatted} | {message}',
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(fraction, message) {
      const value = Math.round(Math.min(1, Math.max(0, fraction)) * 1000);
      if (!started) {
        bar.start(1000, value, { message });
        started = true;
      } else bar.update(value, { message });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** One log line per new message, at most every `everyMs`. */
export function logRunProgress(logger: Logger, everyMs = 2000): RunProgressView {
  let last = 0;
  let lastMessage = '';
  return {
    update(fraction, message) {
      const now = performance.now();
      if (message === lastMessage || now - last < everyMs) return;
      last = now;
      lastMessage = message;
      logger.info({ percent: Math.round(fraction * 100) }, message);
    },
    stop() {},
  };
}
