import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../lib/logger.js';
import type { RecordKind } from '../../schemas/normalise/index.js';

/**
 * The demo data set of `recostream up --demo`: generated once per DATA_DIR (a marker file records
 * that it is complete), then replayed catalog first (items, users) so the interactions join with
 * a known catalog. A second start finds the files replayed already — the replay manifests refuse
 * a re-run of the same content — and goes on with what the pipeline holds.
 */

export interface DemoSize {
  users: number;
  items: number;
  interactions: number;
}

/** Small enough to generate, replay and process in about a minute on two cores. */
export const DEFAULT_DEMO_SIZE: DemoSize = { users: 2_000, items: 500, interactions: 100_000 };
export const DEMO_SEED = 42;

export interface DemoFiles {
  dir: string;
  items: string;
  users: string;
  interactions: string;
}

interface DemoMarker {
  size: DemoSize;
  seed: number;
  generated_at: string;
}

const MARKER = 'demo.json';

export function demoDir(dataDir: string): string {
  return path.join(dataDir, 'demo');
}

/** Generates the demo CSVs into DATA_DIR/demo unless a complete set is there already. */
export async function prepareDemoData(
  dataDir: string,
  size: DemoSize,
  log: Logger,
): Promise<{ files: DemoFiles; generated: boolean; size: DemoSize }> {
  const dir = demoDir(dataDir);
  const files: DemoFiles = {
    dir,
    items: path.join(dir, 'items.csv'),
    users: path.join(dir, 'users.csv'),
    interactions: path.join(dir, 'interactions.csv'),
  };
  const markerPath = path.join(dir, MARKER);
  if (existsSync(markerPath)) {
    const marker = JSON.parse(await readFile(markerPath, 'utf8')) as DemoMarker;
    const same =
      marker.size.users === size.users &&
      marker.size.items === size.items &&
      marker.size.interactions === size.interactions;
    log.info(
      { dir, size: marker.size },
      same
        ? 'demo data set already generated in this DATA_DIR'
        : `demo data set already generated in this DATA_DIR with another size; using it (delete ${dir} and the DATA_DIR to start over)`,
    );
    return { files, generated: false, size: marker.size };
  }
  const { generateDataset } = await import('../../replay/generate/index.js');
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  log.info({ dir, ...size }, 'generating the demo data set');
  const result = await generateDataset({ ...size, outDir: dir, seed: DEMO_SEED });
  const marker: DemoMarker = { size, seed: DEMO_SEED, generated_at: new Date().toISOString() };
  // Written last and atomically: a generation interrupted half-way is redone on the next start.
  await writeFile(`${markerPath}.tmp`, JSON.stringify(marker, null, 2) + '\n');
  await rename(`${markerPath}.tmp`, markerPath);
  log.info(
    { rows: result.rows, window: result.window, ms: Math.round(performance.now() - started) },
    'demo data set generated',
  );
  return { files, generated: true, size };
}

export interface DemoReplayOutcome {
  kind: RecordKind;
  status: string;
  accepted: number;
  rejected: number;
  message: string;
}

/** Replays items, users, then interactions; stops early (without error) when `signal` aborts. */
export async function replayDemo(opts: {
  files: DemoFiles;
  brokers: string[];
  registryUrl: string;
  log: Logger;
  signal: AbortSignal;
}): Promise<DemoReplayOutcome[]> {
  const [{ createKafkaReplaySink }, { replayFile }, { logProgress }] = await Promise.all([
    import('../../replay/kafka-sink.js'),
    import('../../replay/replay.js'),
    import('../../replay/progress.js'),
  ]);
  const log = opts.log.child({ part: 'demo' });
  const sink = await createKafkaReplaySink({
    brokers: opts.brokers,
    registryUrl: opts.registryUrl,
    logger: log,
  });
  const outcomes: DemoReplayOutcome[] = [];
  try {
    for (const kind of ['items', 'users', 'interactions'] as const) {
      if (opts.signal.aborted) break;
      const view = logProgress(log.child({ kind }), 5000);
      const result = await replayFile({
        kind,
        input: opts.files[kind],
        sink,
        signal: opts.signal,
        onProgress: (p) => view.update(p),
        logger: log,
      });
      view.stop();
      const outcome = {
        kind,
        status: result.status,
        accepted: result.report.accepted,
        rejected: result.report.rejected,
        message: result.message,
      };
      outcomes.push(outcome);
      if (result.status === 'already_replayed') {
        log.info(
          { kind },
          `${kind}: already replayed into this DATA_DIR (the replay manifest refuses a re-run); not producing it again`,
        );
      } else {
        log.info(
          { kind, status: result.status, accepted: outcome.accepted, rejected: outcome.rejected },
          `${kind}: ${result.status}`,
        );
      }
      if (result.status === 'failed') throw new Error(`replaying the demo ${kind} failed: ${result.message}`);
    }
  } finally {
    // Waits for every acknowledgement: what the replay counted as produced is in the log.
    await sink.close();
  }
  return outcomes;
}
