import { gunzipSync, gzipSync } from 'node:zlib';
import { UnsupportedCompressionError } from './errors.js';
import { Codec } from './header.js';

/**
 * Compression codecs for the records section of a batch. gzip comes with node:zlib. Other codecs
 * are not bundled: a batch that uses one is still stored and served byte for byte (appends never
 * decompress), only work that must read its records reports UnsupportedCompressionError.
 */
interface CompressionCodec {
  compress(data: Buffer): Buffer;
  decompress(data: Buffer): Buffer;
}

const codecs = new Map<number, CompressionCodec>([
  [Codec.gzip, { compress: (data) => gzipSync(data), decompress: (data) => gunzipSync(data) }],
]);

export function isCodecAvailable(codec: number): boolean {
  return codec === Codec.none || codecs.has(codec);
}

export function compress(codec: number, data: Buffer): Buffer {
  if (codec === Codec.none) return data;
  const implementation = codecs.get(codec);
  if (!implementation) throw new UnsupportedCompressionError(codec);
  return implementation.compress(data);
}

export function decompress(codec: number, data: Buffer): Buffer {
  if (codec === Codec.none) return data;
  const implementation = codecs.get(codec);
  if (!implementation) throw new UnsupportedCompressionError(codec);
  return implementation.decompress(data);
}
