import { FrameTooLargeError } from './errors.js';

/** Kafka's default socket.request.max.bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600;

/**
 * Splits a TCP byte stream into frames (int32 size prefix, excluded from the size). Chunks are
 * kept by reference until a frame is complete; a frame that lies inside one chunk is returned as
 * a view of it. An oversized or negative size throws `FrameTooLargeError` before any of its bytes
 * are buffered, so a hostile prefix cannot make the broker allocate.
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = -1;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Feeds bytes; returns the frames (without their size prefix) completed by them. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < 4) break;
        const size = this.peekSize();
        if (size < 0 || size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
        this.take(4);
        this.expected = size;
      }
      if (this.buffered < this.expected) break;
      frames.push(this.take(this.expected));
      this.expected = -1;
    }
    return frames;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.take(4, true).readInt32BE(0);
  }

  /** Removes (or with `peek` only reads) the next n buffered bytes. */
  private take(n: number, peek = false): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n);
      if (!peek) this.consume(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    for (const c of this.chunks) {
      if (copied === n) break;
      copied += c.copy(out, copied, 0, Math.min(c.length, n - copied));
    }
    if (!peek) this.consume(n);
    return out;
  }

  private consume(n: number): void {
    this.buffered -= n;
    let left = n;
    while (left > 0) {
      const first = this.chunks[0]!;
      if (first.length <= left) {
        left -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
  }
}
