import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/** Request header v1 (non-flexible) or v2 (flexible: adds a tagged-field block). */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * The first 8 bytes of every request header, identical in v0, v1 and v2. The server reads these
 * first to decide whether the rest is v1 or v2 (or an ApiVersions version it only half speaks).
 */
export function readRequestHeaderPrefix(r: Reader): Omit<RequestHeader, 'clientId'> {
  const apiKey = r.i16();
  const apiVersion = r.i16();
  const correlationId = r.i32();
  return { apiKey, apiVersion, correlationId };
}

/** Reads a whole request header; `flexible` selects v2 (client id stays an int16 string). */
export function readRequestHeader(r: Reader, flexible: boolean): RequestHeader {
  const prefix = readRequestHeaderPrefix(r);
  const clientId = r.nstr();
  if (flexible) r.skipTaggedFields();
  return { ...prefix, clientId };
}

export function writeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.i16(h.apiKey).i16(h.apiVersion).i32(h.correlationId).nstr(h.clientId);
  if (flexible) w.uvarint(0);
}

/** Response header v0 (correlation id) or v1 (plus an empty tagged-field block). */
export function writeResponseHeader(w: Writer, correlationId: number, flexible: boolean): void {
  w.i32(correlationId);
  if (flexible) w.uvarint(0);
}

export function readResponseHeader(r: Reader, flexible: boolean): { correlationId: number } {
  const correlationId = r.i32();
  if (flexible) r.skipTaggedFields();
  return { correlationId };
}

/** Prefixes a message (given as chunks) with its int32 size: the frame as chunks to write. */
export function frame(chunks: Buffer[]): Buffer[] {
  let size = 0;
  for (const c of chunks) size += c.length;
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeInt32BE(size, 0);
  return [prefix, ...chunks];
}
