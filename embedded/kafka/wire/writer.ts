/**
 * Big-endian writer that builds a message as a list of chunks: primitives go into a growing
 * scratch buffer, large byte fields (record batches) are appended by reference so a Fetch
 * response never copies the log data it serves.
 */
const LARGE_BYTES = 1024;

export class Writer {
  private chunks: Buffer[] = [];
  private scratch: Buffer;
  private pos = 0;
  private flushedBytes = 0;

  constructor(initialSize = 256) {
    this.scratch = Buffer.allocUnsafe(initialSize);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.flushedBytes + this.pos;
  }

  private room(n: number): number {
    if (this.pos + n > this.scratch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.pos + n));
      this.scratch.copy(bigger, 0, 0, this.pos);
      this.scratch = bigger;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  i8(v: number): this {
    const at = this.room(1);
    this.scratch.writeInt8(v, at);
    return this;
  }

  i16(v: number): this {
    const at = this.room(2);
    this.scratch.writeInt16BE(v, at);
    return this;
  }

  i32(v: number): this {
    const at = this.room(4);
    this.scratch.writeInt32BE(v, at);
    return this;
  }

  u32(v: number): this {
    const at = this.room(4);
    this.scratch.writeUInt32BE(v, at);
    return this;
  }

  i64(v: bigint): this {
    const at = this.room(8);
    this.scratch.writeBigInt64BE(v, at);
    return this;
  }

  bool(v: boolean): this {
    return this.i8(v ? 1 : 0);
  }

  raw(b: Buffer): this {
    if (b.length >= LARGE_BYTES) {
      this.cut();
      this.chunks.push(b);
      this.flushedBytes += b.length;
    } else {
      const at = this.room(b.length);
      b.copy(this.scratch, at);
    }
    return this;
  }

  str(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    this.i16(len);
    const at = this.room(len);
    this.scratch.write(s, at, len, 'utf8');
    return this;
  }

  nstr(s: string | null): this {
    return s === null ? this.i16(-1) : this.str(s);
  }

  bytes(b: Buffer): this {
    return this.i32(b.length).raw(b);
  }

  nbytes(b: Buffer | null): this {
    return b === null ? this.i32(-1) : this.bytes(b);
  }

  array<T>(items: readonly T[], writeItem: (w: Writer, item: T) => void): this {
    this.i32(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  narray<T>(items: readonly T[] | null, writeItem: (w: Writer, item: T) => void): this {
    return items === null ? this.i32(-1) : this.array(items, writeItem);
  }

  uvarint(v: number): this {
    let rest = v;
    while (rest >= 0x80) {
      const at = this.room(1);
      this.scratch.writeUInt8((rest & 0x7f) | 0x80, at);
      rest = Math.floor(rest / 128);
    }
    const at = this.room(1);
    this.scratch.writeUInt8(rest, at);
    return this;
  }

  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Moves the scratch bytes written so far into the chunk list. */
  private cut(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.scratch.subarray(0, this.pos));
    this.flushedBytes += this.pos;
    this.scratch = this.scratch.subarray(this.pos);
    this.pos = 0;
    if (this.scratch.length < 64) this.scratch = Buffer.allocUnsafe(256);
  }

  /** The message as chunks, in order (cheap: no concatenation). */
  chunksOut(): Buffer[] {
    this.cut();
    return this.chunks;
  }

  toBuffer(): Buffer {
    const chunks = this.chunksOut();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.flushedBytes);
  }
}
