import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { InputFormat } from '../types.js';

/** Read size: large enough that per-chunk overheads vanish, small enough to stay incremental. */
const CHUNK_BYTES = 1024 * 1024;
const SNIFF_BYTES = 64 * 1024;

export type Compression = 'gzip' | null;

/** Where a replay reads from: a file path, or any byte stream (an upload) with a name. */
export type ReplayInput = string | Readable;

/** The counters of the raw (possibly compressed) bytes, for progress and the manifest. */
export class ByteMeter {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private finished: string | null = null;

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
  }

  /** sha256 of every byte read, as `sha256:<hex>`; call once the input is exhausted. */
  checksum(): string {
    this.finished ??= `sha256:${this.hash.digest('hex')}`;
    return this.finished;
  }
}

export interface OpenedInput {
  /** The file name (no directories) used in `source` and reports. */
  name: string;
  path: string | null;
  /** Size on disk for the ETA (null for a stream). */
  sizeBytes: number | null;
  compression: Compression;
  format: InputFormat;
  /** The decompressed content. Iterate once. */
  content: AsyncIterable<Buffer>;
  meter: ByteMeter;
}

async function* metered(source: AsyncIterable<Buffer>, meter: ByteMeter): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    meter.update(buf);
    yield buf;
  }
}

/** An async iterator with a look at its first chunks, then everything (those chunks included). */
async function peek(
  source: AsyncIterable<Buffer>,
  bytes: number,
): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const r = await iterator.next();
    if (r.done) {
      done = true;
      break;
    }
    seen.push(r.value);
    size += r.value.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    while (true) {
      const r = await iterator.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head: Buffer.concat(seen), all: all() };
}

function stripCompressionSuffix(name: string): string {
  return name.replace(/\.(gz|gzip)$/i, '');
}

/**
 * The format of a file: from its extension where that is unambiguous, otherwise from its first
 * non-blank character (`[` a JSON array, `{` NDJSON — a `.json` file of one object per line is
 * common —, anything else CSV).
 */
export function detectFormat(name: string, head: Buffer): InputFormat {
  const ext = path.extname(stripCompressionSuffix(name)).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt' || ext === '.psv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const firstChar = /\S/.exec(text)?.[0];
  if (firstChar === '[') return 'json';
  if (firstChar === '{') return 'ndjson';
  if (ext === '.json') return 'json';
  return 'csv';
}

export interface OpenOptions {
  /** Name of a stream input (its upload name); defaults to the path's base name. */
  name?: string;
  format?: InputFormat;
}

/** Opens a replay input: raw bytes are counted and hashed, gzip is detected by its magic bytes. */
export async function openInput(input: ReplayInput, options: OpenOptions = {}): Promise<OpenedInput> {
  let raw: AsyncIterable<Buffer>;
  let filePath: string | null = null;
  let sizeBytes: number | null = null;
  if (typeof input === 'string') {
    filePath = input;
    const info = await stat(input);
    if (!info.isFile()) throw new Error(`${input} is not a file`);
    sizeBytes = info.size;
    raw = createReadStream(input, { highWaterMark: CHUNK_BYTES });
  } else {
    raw = input;
  }
  const name = options.name ?? (filePath ? path.basename(filePath) : 'stdin');
  const meter = new ByteMeter();
  const { head: rawHead, all: rawAll } = await peek(metered(raw, meter), 2);
  const compression: Compression =
    rawHead.length >= 2 && rawHead[0] === 0x1f && rawHead[1] === 0x8b ? 'gzip' : null;
  const decompressed: AsyncIterable<Buffer> =
    compression === 'gzip' ? Readable.from(rawAll).pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : rawAll;
  const { head, all } = await peek(decompressed, SNIFF_BYTES);
  return {
    name,
    path: filePath,
    sizeBytes,
    compression,
    format: options.format ?? detectFormat(name, head),
    content: all,
    meter,
  };
}

/** sha256 of a file's bytes (`sha256:<hex>`), read once up front to check for a previous replay. */
export async function fileChecksum(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(filePath, { highWaterMark: CHUNK_BYTES }))
    hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
