/**
 * Zig-zag varints as used inside record batches (protobuf style: zig-zag, then base-128 with the
 * least significant group first). Values are JavaScript numbers: exact up to 2^52 in magnitude (zig-zag doubles them),
 * which covers every offset, timestamp delta and length a broker meets.
 */

/** A read position that the readers advance. */
export interface Cursor {
  pos: number;
}

const TWO_POW_32 = 4294967296;

export function readVarint(buf: Buffer, cursor: Cursor): number {
  let pos = cursor.pos;
  let byte = buf[pos++];
  if (byte === undefined) throw new RangeError('varint runs past the end of the buffer');
  // Fast path: up to four bytes fit in 28 bits, where bitwise arithmetic is exact.
  let raw = byte & 0x7f;
  let shift = 7;
  while (byte & 0x80 && shift < 28) {
    byte = buf[pos++];
    if (byte === undefined) throw new RangeError('varint runs past the end of the buffer');
    raw |= (byte & 0x7f) << shift;
    shift += 7;
  }
  if (byte & 0x80) {
    // Slow path for wide values (varlong timestamps): multiply instead of shifting.
    let multiplier = 2 ** 28;
    do {
      byte = buf[pos++];
      if (byte === undefined) throw new RangeError('varint runs past the end of the buffer');
      raw += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if (multiplier > 2 ** 70) throw new RangeError('varint is longer than 10 bytes');
    } while (byte & 0x80);
    cursor.pos = pos;
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }
  cursor.pos = pos;
  return (raw >>> 1) ^ -(raw & 1);
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function sizeOfVarint(value: number): number {
  let raw = zigzag(value);
  let size = 1;
  while (raw >= 128) {
    raw = Math.floor(raw / 128);
    size++;
  }
  return size;
}

/** Writes `value` at `at` and returns the position after it. */
export function writeVarint(buf: Buffer, at: number, value: number): number {
  let raw = zigzag(value);
  while (raw >= 128) {
    buf[at++] = (raw % 128) | 0x80;
    raw = Math.floor(raw / 128);
  }
  buf[at++] = raw;
  return at;
}

/** Reads a signed 64-bit big-endian integer as a number (exact up to 2^53). */
export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_POW_32 + buf.readUInt32BE(at + 4);
}

export function writeInt64(buf: Buffer, at: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(value - high * TWO_POW_32, at + 4);
}
