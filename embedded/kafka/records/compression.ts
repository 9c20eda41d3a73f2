import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import { InvalidRecordError, UnsupportedCompressionError } from './errors.js';
import { Codec } from './header.js';

/**
 * Compression codecs for the records section of a batch. gzip comes with node:zlib; snappy and
 * lz4 use native packages loaded on first use, so a platform without their binaries still runs.
 * zstd is not bundled. Appends never decompress: a batch whose codec is unavailable is stored and
 * served byte for byte, and only work that must read its records reports
 * UnsupportedCompressionError.
 */
interface CompressionCodec {
  compress(data: Buffer): Buffer;
  decompress(data: Buffer): Buffer;
}

interface SnappyBinding {
  compressSync(input: Uint8Array): Buffer;
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer | string;
}

interface Lz4Binding {
  compressFrameSync(input: Buffer): Buffer;
  decompressFrameSync(input: Buffer): Buffer;
}

const requireOptional = createRequire(import.meta.url);

function loadOptional<T>(name: string): T | null {
  try {
    return requireOptional(name) as T;
  } catch {
    return null;
  }
}

/**
 * Java clients frame snappy the xerial way (a magic header, then length-prefixed blocks); others
 * send one raw snappy block. Both are read; xerial is written, which every client reads.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_BLOCK_SIZE = 32 * 1024;

function snappyCodec(snappy: SnappyBinding): CompressionCodec {
  const uncompress = (block: Buffer): Buffer => {
    const out = snappy.uncompressSync(block, { asBuffer: true });
    return typeof out === 'string' ? Buffer.from(out) : out;
  };
  return {
    compress(data) {
      const parts: Buffer[] = [Buffer.concat([XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])])];
      for (let at = 0; at < data.length; at += XERIAL_BLOCK_SIZE) {
        const block = snappy.compressSync(data.subarray(at, at + XERIAL_BLOCK_SIZE));
        const length = Buffer.allocUnsafe(4);
        length.writeInt32BE(block.length);
        parts.push(length, block);
      }
      return Buffer.concat(parts);
    },
    decompress(data) {
      if (data.length < XERIAL_HEADER_SIZE || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
        return uncompress(data);
      }
      const blocks: Buffer[] = [];
      let at = XERIAL_HEADER_SIZE;
      while (at < data.length) {
        if (at + 4 > data.length) throw new InvalidRecordError('truncated xerial snappy block length');
        const length = data.readInt32BE(at);
        at += 4;
        if (length < 0 || at + length > data.length)
          throw new InvalidRecordError('truncated xerial snappy block');
        blocks.push(uncompress(data.subarray(at, at + length)));
        at += length;
      }
      return Buffer.concat(blocks);
    },
  };
}

function lz4Codec(lz4: Lz4Binding): CompressionCodec {
  return {
    compress: (data) => lz4.compressFrameSync(data),
    decompress: (data) => lz4.decompressFrameSync(data),
  };
}

const codecs = new Map<number, CompressionCodec | null>([
  [Codec.gzip, { compress: (data) => gzipSync(data), decompress: (data) => gunzipSync(data) }],
]);

const optionalCodecs = new Map<number, () => CompressionCodec | null>([
  [
    Codec.snappy,
    () => {
      const binding = loadOptional<SnappyBinding>('snappy');
      return binding ? snappyCodec(binding) : null;
    },
  ],
  [
    Codec.lz4,
    () => {
      const binding = loadOptional<Lz4Binding>('lz4-napi');
      return binding ? lz4Codec(binding) : null;
    },
  ],
]);

function codecFor(codec: number): CompressionCodec | null {
  if (!codecs.has(codec)) codecs.set(codec, optionalCodecs.get(codec)?.() ?? null);
  return codecs.get(codec) ?? null;
}

export function isCodecAvailable(codec: number): boolean {
  return codec === Codec.none || codecFor(codec) !== null;
}

export function compress(codec: number, data: Buffer): Buffer {
  if (codec === Codec.none) return data;
  const implementation = codecFor(codec);
  if (!implementation) throw new UnsupportedCompressionError(codec);
  return implementation.compress(data);
}

export function decompress(codec: number, data: Buffer): Buffer {
  if (codec === Codec.none) return data;
  const implementation = codecFor(codec);
  if (!implementation) throw new UnsupportedCompressionError(codec);
  try {
    return implementation.decompress(data);
  } catch (error) {
    if (error instanceof InvalidRecordError) throw error;
    throw new InvalidRecordError(
      `cannot decompress a ${codec === Codec.gzip ? 'gzip' : `codec ${codec}`} batch: ${(error as Error).message}`,
    );
  }
}
