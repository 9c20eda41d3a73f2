import { BufferUnderflowError, InvalidLengthError, InvalidVarintError } from './errors.js';

/**
 * Sequential big-endian reader over one frame. Every read checks bounds and throws a typed
 * `WireError` instead of returning garbage, so a malformed request fails in one place. Byte
 * fields are returned as views into the frame (no copy): frames are never reused.
 */
export class Reader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): number {
    if (n > this.buf.length - this.pos) throw new BufferUnderflowError(n, this.buf.length - this.pos);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  i8(): number {
    return this.buf.readInt8(this.need(1));
  }

  i16(): number {
    return this.buf.readInt16BE(this.need(2));
  }

  i32(): number {
    return this.buf.readInt32BE(this.need(4));
  }

  u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }

  i64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }

  bool(): boolean {
    return this.i8() !== 0;
  }

  /** Raw bytes, as a view into the frame. */
  raw(n: number): Buffer {
    if (n < 0) throw new InvalidLengthError('raw', n);
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  skip(n: number): void {
    this.need(n);
  }

  str(): string {
    const len = this.i16();
    if (len < 0) throw new InvalidLengthError('string', len);
    return this.raw(len).toString('utf8');
  }

  nstr(): string | null {
    const len = this.i16();
    if (len === -1) return null;
    if (len < 0) throw new InvalidLengthError('nullable string', len);
    return this.raw(len).toString('utf8');
  }

  bytes(): Buffer {
    const len = this.i32();
    if (len < 0) throw new InvalidLengthError('bytes', len);
    return this.raw(len);
  }

  nbytes(): Buffer | null {
    const len = this.i32();
    if (len === -1) return null;
    if (len < 0) throw new InvalidLengthError('nullable bytes', len);
    return this.raw(len);
  }

  /** An array count, checked against the bytes left so a lying count cannot allocate wildly. */
  private count(nullable: boolean): number | null {
    const n = this.i32();
    if (n === -1 && nullable) return null;
    if (n < 0 || n > this.remaining) throw new InvalidLengthError('array', n);
    return n;
  }

  array<T>(readItem: (r: Reader) => T): T[] {
    const n = this.count(false) as number;
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = readItem(this);
    return out;
  }

  narray<T>(readItem: (r: Reader) => T): T[] | null {
    const n = this.count(true);
    if (n === null) return null;
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = readItem(this);
    return out;
  }

  /** Unsigned LEB128 varint (flexible versions: compact lengths, tagged fields), up to 32 bits. */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.buf.readUInt8(this.need(1));
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw new InvalidVarintError();
  }

  /** Zig-zag signed varint (record fields), up to 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Skips a tagged-field block of a flexible version (we understand none of the tags). */
  skipTaggedFields(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
}
