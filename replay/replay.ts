import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../lib/logger.js';
import { silentLogger } from '../lib/logger.js';
import type { RecordKind, RecordOfKind } from '../schemas/normalise/index.js';
import type { DeadLetter, ReplayManifest } from '../schemas/types.js';
import { TOPIC } from '../topology/topics.js';
import { deadLetterOf } from './dead-letters.js';
import { fileChecksum, openInput, readRecords, type OpenedInput } from './input/index.js';
import { RatePacer } from './rate.js';
import { ReportBuilder, type QualityReport, type ReplayStatus } from './report.js';
import type { ReplaySink } from './sink.js';
import type { InputFormat, SourceRecord } from './types.js';
import { RecordValidator } from './validate.js';

export const TOPIC_OF_KIND: Record<RecordKind, string> = {
  interactions: TOPIC.interactions,
  items: TOPIC.items,
  users: TOPIC.users,
};

/** Exit codes of `recostream replay`, also returned by replayFile for other callers. */
export const EXIT = {
  ok: 0,
  failed: 1,
  belowMinQuality: 2,
  alreadyReplayed: 3,
  interrupted: 130,
} as const;

export interface ReplayProgress {
  /** Raw bytes read so far, and the file size when known (for the ETA). */
  bytesRead: number;
  totalBytes: number | null;
  rowsRead: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  produced: number;
  line: number;
  /** validate: a pass that produces nothing (--min-quality's first pass, --dry-run); replay: the producing pass. */
  phase: 'validate' | 'replay';
}

export interface ReplayOptions {
  kind: RecordKind;
  /** A file path, or a byte stream (an upload) — then `name` names it. */
  input: string | Readable;
  name?: string;
  /** Detected from the name and content when absent. */
  format?: InputFormat;
  /** CSV delimiter; detected from the header when absent. */
  delimiter?: string;
  /** `--map`: input column -> schema field. */
  columnMap?: Record<string, string>;
  dryRun?: boolean;
  /** Validate the whole file first; produce nothing if the score is below this. Needs a path. */
  minQuality?: number;
  /** Replay even if this content was replayed before. */
  force?: boolean;
  /** Cap on records per second. */
  rate?: number;
  /** Records per produce call. */
  batchSize?: number;
  /** Content checksum of a stream input, when the caller knows it (enables the re-run check). */
  checksum?: string;
  /** Aborting stops reading; what was read is flushed and counted. */
  signal?: AbortSignal;
  onProgress?: (progress: ReplayProgress) => void;
  /** Needed unless dryRun. */
  sink?: ReplaySink;
  logger?: Logger;
}

export interface ReplayResult {
  status: ReplayStatus;
  exitCode: number;
  message: string;
  report: QualityReport;
  manifest: ReplayManifest | null;
}

const DEFAULT_BATCH = 5000;

interface PassOutcome {
  builder: ReportBuilder;
  input: OpenedInput;
  interrupted: boolean;
  error: Error | null;
}

function replayKey(kind: RecordKind, checksum: string): string {
  return `${kind}:${checksum}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The report of a replay that stopped before producing anything — the broker or the registry
 * unreachable at the start, the input missing, a --min-quality pass that could not read the file —:
 * no counts, the error as its message. `recostream replay --report` writes it, so that whoever
 * reads the reports learns of every failure, not only of those in the middle of a file.
 */
export async function failedBeforeProducing(
  options: Pick<ReplayOptions, 'kind' | 'input' | 'name' | 'format'>,
  error: unknown,
  startedAt: number,
): Promise<QualityReport> {
  const reason = error instanceof Error ? error.message : String(error);
  const message = `Replay failed before producing anything: ${reason}`;
  let file = options.name ?? (typeof options.input === 'string' ? path.basename(options.input) : 'stdin');
  let format: InputFormat = options.format ?? 'csv';
  let compression: string | null = null;
  if (typeof options.input === 'string') {
    try {
      const opened = await openInput(options.input, { name: options.name, format: options.format });
      ({ name: file, format, compression } = opened);
      // Only its name and format were needed: close the file.
      await opened.content[Symbol.asyncIterator]().return?.();
    } catch {
      // A missing or unreadable input: the name given and the format asked for (or CSV).
    }
  }
  return new ReportBuilder(options.kind, () => [], startedAt).build({
    file,
    format,
    compression,
    bytesRead: 0,
    checksum: null,
    status: 'failed',
    message,
    finishedAt: Date.now(),
  });
}

/**
 * Replays one historical file (or stream) of interactions, items or users into its topic:
 * reads it in bounded memory, validates every row with the shared normaliser, produces accepted
 * records through the typed producer and rejected rows to `dead-letters`, and returns the quality
 * report. The CLI and the API's upload route both call this.
 */
export async function replayFile(options: ReplayOptions): Promise<ReplayResult> {
  const log = (options.logger ?? silentLogger).child({ part: 'replay' });
  const kind = options.kind;
  const topic = TOPIC_OF_KIND[kind];
  const streamInput = typeof options.input !== 'string';
  if (options.minQuality !== undefined && streamInput) {
    throw new Error('--min-quality reads the file twice, so it needs a file path, not a stream');
  }
  if (!options.dryRun && !options.sink) throw new Error('replayFile needs a sink unless dryRun is set');
  const startedAt = Date.now();
  const name = options.name ?? (typeof options.input === 'string' ? undefined : 'stream');

  // 1. Refuse a content replayed before (checked before anything is read or produced).
  let checksum: string | null = options.checksum ?? null;
  let previous: ReplayManifest | null = null;
  if (!options.dryRun) {
    if (checksum === null && typeof options.input === 'string') checksum = await fileChecksum(options.input);
    if (checksum !== null) {
      previous = await options.sink!.manifests.latest(replayKey(kind, checksum));
      if (previous && previous.status === 'completed' && !options.force) {
        const when = new Date(previous.finished_at).toISOString();
        const message =
          `${previous.file_name} (${checksum.slice(0, 19)}…) was already replayed as ${kind} at ${when}: ` +
          `${previous.accepted} accepted, ${previous.rejected} rejected. Nothing was produced. ` +
          `Use --force to replay it again (events keep their ids, so processors count each once).`;
        const opened = await openInput(options.input, { name, format: options.format });
        const builder = new ReportBuilder(kind, () => [], startedAt);
        return {
          status: 'already_replayed',
          exitCode: EXIT.alreadyReplayed,
          message,
          report: builder.build({
            file: opened.name,
            format: opened.format,
            compression: opened.compression,
            bytesRead: 0,
            checksum,
            status: 'already_replayed',
            message,
            finishedAt: Date.now(),
          }),
          manifest: previous,
        };
      }
    }
  }

  const runPass = async (phase: 'validate' | 'replay', produce: boolean): Promise<PassOutcome> => {
    const input = await openInput(options.input, { name, format: options.format });
    const source = `replay:${input.name}`;
    const file = input.path ?? input.name;
    let validator: RecordValidator<RecordKind> | null = null;
    const builder = new ReportBuilder(kind, (cols) => validator!.normaliser.unknownColumns(cols), startedAt);
    validator = new RecordValidator(
      kind,
      { source, columnMap: options.columnMap },
      builder,
      input.format === 'csv',
    );
    const pacer = produce && options.rate ? new RatePacer(options.rate) : null;
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    let accepted: { record: SourceRecord; value: RecordOfKind[RecordKind] }[] = [];
    let deadLetters: DeadLetter[] = [];
    let inFlight: Promise<void> | null = null;
    let interrupted = false;
    let error: Error | null = null;

    const send = async (
      batch: { record: SourceRecord; value: RecordOfKind[RecordKind] }[],
      letters: DeadLetter[],
    ): Promise<void> => {
      const producer = options.sink!.producer;
      const slice = pacer ? pacer.sliceSize : batch.length;
      for (let at = 0; at < batch.length; at += slice) {
        const part = batch.slice(at, at + slice);
        if (pacer) await pacer.take(part.length);
        const result = await producer.produce(
          topic,
          part.map((a) => a.value),
        );
        builder.produced += result.sent;
        const notSent = result.failed.find((f) => f.kind === 'not-sent');
        if (notSent) throw new Error(`the broker did not take a batch: ${notSent.reason}`);
        for (const failure of result.failed) {
          const rejected = part[failure.index]!;
          const reason = `the broker refused the record: ${failure.reason}`;
          builder.rejectAfterAccept(rejected.record.line, 'produce_failed', failure.field ?? null, reason);
          letters.push(
            deadLetterOf(
              rejected.record,
              { reason, field: failure.field ?? null },
              { source, file },
              Date.now(),
            ),
          );
        }
      }
      if (letters.length > 0) {
        const result = await producer.produce(TOPIC.deadLetters, letters);
        builder.deadLetters += result.sent;
        if (result.failed.length > 0) {
          throw new Error(
            `${result.failed.length} dead letters could not be written: ${result.failed[0]!.reason}`,
          );
        }
      }
    };

    const flush = async (): Promise<void> => {
      if (inFlight) await inFlight;
      inFlight = null;
      if (accepted.length === 0 && deadLetters.length === 0) return;
      const batch = accepted;
      const letters = deadLetters;
      accepted = [];
      deadLetters = [];
      // Keep one send in flight while the next batch is parsed and validated.
      inFlight = send(batch, letters);
      // Handled when awaited by the next flush; this keeps a failure from being "unhandled" meanwhile.
      inFlight.catch(() => {});
    };

    const report = (): void =>
      options.onProgress?.({
        bytesRead: input.meter.bytes,
        totalBytes: input.sizeBytes,
        rowsRead: builder.rowsRead,
        accepted: builder.accepted,
        rejected: builder.rejected,
        duplicates: builder.duplicates,
        produced: builder.produced,
        line: builder.lastLine,
        phase,
      });

    try {
      // Abort is checked before every row, so a rate-limited replay stops within one batch;
      // a row is counted only once validated, and every counted row is flushed.
      reading: for await (const batch of readRecords(input, {
        delimiter: options.delimiter,
        onHeader: (h) => builder.addColumns(h.columns),
      })) {
        const now = Date.now();
        for (const record of batch) {
          if (options.signal?.aborted) {
            interrupted = true;
            break reading;
          }
          const verdict = validator.check(record, now);
          if (!produce) continue;
          if (verdict.status === 'accepted') accepted.push({ record, value: verdict.value });
          else if (verdict.status === 'rejected') {
            deadLetters.push(deadLetterOf(record, verdict, { source, file }, now));
          }
          if (accepted.length + deadLetters.length >= batchSize) {
            await flush();
            report();
          }
        }
        report();
      }
      if (produce) {
        await flush();
        await flush();
      }
    } catch (err) {
      error = err as Error;
      // Whatever is in flight still counts: wait for it so "produced" is exact.
      if (inFlight) await (inFlight as Promise<void>).catch(() => {});
    }
    report();
    return { builder, input, interrupted, error };
  };

  // 2. --min-quality: validate the whole file before producing anything.
  if (options.minQuality !== undefined && !options.dryRun) {
    const check = await runPass('validate', false);
    if (check.error) throw check.error;
    const score = check.builder.quality().score;
    if (check.interrupted) {
      return finish(check, 'interrupted', 'Interrupted while validating; nothing was produced.');
    }
    if (score < options.minQuality) {
      const message =
        `Quality score ${score} is below --min-quality ${options.minQuality}; nothing was produced ` +
        `(${plural(check.builder.rejected, 'rejected row')}, ${plural(check.builder.duplicates, 'duplicate')} ` +
        `of ${plural(check.builder.rowsRead, 'row')}).`;
      return finish(check, 'below_min_quality', message);
    }
    log.info({ score, minQuality: options.minQuality }, 'quality check passed; replaying');
  }

  // 3. The replay itself (or the dry run).
  // A dry run only validates: its progress says so.
  const pass = await runPass(options.dryRun ? 'validate' : 'replay', !options.dryRun);
  const b = pass.builder;
  const counts =
    `${plural(b.rowsRead, 'row')} read: ${b.accepted} accepted, ${b.rejected} rejected, ` +
    `${plural(b.duplicates, 'duplicate')} skipped`;
  if (options.dryRun) {
    if (pass.error) throw pass.error;
    if (pass.interrupted)
      return finish(pass, 'interrupted', `Interrupted after line ${b.lastLine}; ${counts}.`);
    if (options.minQuality !== undefined && b.quality().score < options.minQuality) {
      return finish(
        pass,
        'below_min_quality',
        `Dry run: ${counts}; quality score ${b.quality().score} is below --min-quality ${options.minQuality}, so a replay would produce nothing.`,
      );
    }
    return finish(
      pass,
      'dry_run',
      `Dry run: ${counts}; quality score ${b.quality().score}. Nothing was produced.`,
    );
  }
  if (options.minQuality !== undefined && b.quality().score < options.minQuality) {
    log.warn('the file changed between the quality check and the replay');
  }
  const status: ReplayStatus = pass.error ? 'failed' : pass.interrupted ? 'interrupted' : 'completed';
  const message =
    status === 'failed'
      ? `Replay failed after line ${b.lastLine} (${b.produced} records produced, ${b.deadLetters} dead letters): ${pass.error!.message}`
      : status === 'interrupted'
        ? `Interrupted after line ${b.lastLine}: ${counts}; ${b.produced} records produced and ${b.deadLetters} dead letters written. Run it again to finish (events keep their ids).`
        : `Replayed ${pass.input.name} into ${topic}: ${counts}; quality score ${b.quality().score}.`;
  const result = finish(pass, status, message);

  // 4. The manifest: checksum of what was read (a stream's is known only now).
  const finalChecksum = status === 'completed' ? (checksum ?? pass.input.meter.checksum()) : checksum;
  if (finalChecksum !== null) {
    const range = b.eventTimeRange();
    const manifest: ReplayManifest = {
      replay_key: replayKey(kind, finalChecksum),
      checksum: finalChecksum,
      kind,
      file_name: pass.input.name,
      file_path: pass.input.path,
      file_bytes: pass.input.meter.bytes,
      format: pass.input.format,
      compression: pass.input.compression,
      topic,
      column_map: options.columnMap ?? {},
      rows_read: b.rowsRead,
      accepted: b.accepted,
      rejected: b.rejected,
      duplicates: b.duplicates,
      quality_score: b.quality().score,
      status,
      forced: Boolean(options.force && previous?.status === 'completed'),
      first_event_time: range.first,
      last_event_time: range.last,
      started_at: startedAt,
      finished_at: Date.now(),
    };
    try {
      await options.sink!.manifests.record(manifest);
      result.manifest = manifest;
    } catch (err) {
      log.warn({ err }, 'the replay manifest could not be written');
    }
  }
  return result;

  function finish(outcome: PassOutcome, status: ReplayStatus, message: string): ReplayResult {
    const exitCode =
      status === 'completed' || status === 'dry_run'
        ? EXIT.ok
        : status === 'below_min_quality'
          ? EXIT.belowMinQuality
          : status === 'already_replayed'
            ? EXIT.alreadyReplayed
            : status === 'interrupted'
              ? EXIT.interrupted
              : EXIT.failed;
    const report = outcome.builder.build({
      file: outcome.input.name,
      format: outcome.input.format,
      compression: outcome.input.compression,
      bytesRead: outcome.input.meter.bytes,
      checksum: checksum ?? (outcome.interrupted || outcome.error ? null : outcome.input.meter.checksum()),
      status,
      message,
      finishedAt: Date.now(),
    });
    return { status, exitCode, message, report, manifest: null };
  }
}
