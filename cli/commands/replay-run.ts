import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { loadConfig } from '../../lib/config.js';
import { logger } from '../../lib/logger.js';
import { parseColumnMap, type RecordKind } from '../../schemas/normalise/index.js';
import { parseDelimiterOption } from '../../replay/input/index.js';
import { createKafkaReplaySink } from '../../replay/kafka-sink.js';
import { logProgress, terminalProgress } from '../../replay/progress.js';
import { failedBeforeProducing, replayFile } from '../../replay/replay.js';
import { formatReport } from '../../replay/report-format.js';
import type { ReplaySink } from '../../replay/sink.js';
import type { ReplayCliOptions } from './replay.js';

const KINDS: readonly RecordKind[] = ['interactions', 'items', 'users'];

async function assertReadable(file: string): Promise<void> {
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
    await access(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new Error(`cannot read ${file}: ${reason}`);
  }
}

/** The body of `recostream replay`, loaded only when the command runs. Returns the exit code. */
export async function runReplayCommand(kind: string, file: string, opts: ReplayCliOptions): Promise<number> {
  if (!KINDS.includes(kind as RecordKind)) {
    throw new Error(`unknown kind "${kind}" (expected one of ${KINDS.join(', ')})`);
  }
  const log = logger.child({ part: 'replay' });
  const columnMap = parseColumnMap(opts.map);
  const delimiter = opts.delimiter === undefined ? undefined : parseDelimiterOption(opts.delimiter);
  const fromStdin = file === '-';
  if (fromStdin && opts.minQuality !== undefined)
    throw new Error('--min-quality needs a file, not standard input');

  const startedAt = Date.now();
  const input = {
    kind: kind as RecordKind,
    input: fromStdin ? process.stdin : file,
    name: opts.name ?? (fromStdin ? 'stdin' : undefined),
    format: opts.format,
  };
  // A failure before anything was produced (no broker, no registry, no file) leaves its report too.
  const failed = async (err: unknown): Promise<never> => {
    if (opts.report) {
      const report = await failedBeforeProducing(input, err, startedAt);
      await writeFile(opts.report, JSON.stringify(report, null, 2) + '\n');
    }
    throw err;
  };

  // A missing file is said at once, not after connecting to Kafka (which may be down too).
  if (!fromStdin) await assertReadable(file).catch(failed);

  let sink: ReplaySink | undefined;
  if (!opts.dryRun) {
    const config = loadConfig();
    sink = await createKafkaReplaySink({
      brokers: config.kafkaBrokers,
      registryUrl: config.schemaRegistryUrl,
      logger: log,
    }).catch((err: Error) =>
      failed(
        new Error(
          `cannot connect to Kafka at ${config.kafkaBrokers.join(',')} (KAFKA_BROKERS): ${err.message}`,
        ),
      ),
    );
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nStopping: flushing what was read (Ctrl-C again to quit at once)...\n');
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const view = process.stderr.isTTY ? terminalProgress() : logProgress(log);
  try {
    const result = await replayFile({
      ...input,
      delimiter,
      columnMap,
      dryRun: opts.dryRun,
      minQuality: opts.minQuality,
      force: opts.force,
      rate: opts.rate,
      batchSize: opts.batchSize,
      signal: controller.signal,
      onProgress: (p) => view.update(p),
      sink,
      logger: log,
    }).catch(failed);
    view.stop();
    process.stdout.write(formatReport(result.report));
    if (opts.report) await writeFile(opts.report, JSON.stringify(result.report, null, 2) + '\n');
    return result.exitCode;
  } finally {
    view.stop();
    process.off('SIGINT', onSigint);
    await sink?.close();
  }
}
