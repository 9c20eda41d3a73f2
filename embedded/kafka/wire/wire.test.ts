import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BufferUnderflowError,
  FrameSplitter,
  FrameTooLargeError,
  InvalidLengthError,
  Reader,
  Writer,
  frame,
  readRequestHeader,
  writeRequestHeader,
} from './index.js';

describe('Reader and Writer', () => {
  it('round-trips every primitive big-endian', () => {
    const w = new Writer(8);
    w.i8(-5)
      .i16(-300)
      .i32(-70000)
      .u32(0xfffffffe)
      .i64(-(2n ** 62n))
      .bool(true);
    w.str('héllo')
      .nstr(null)
      .nstr('x')
      .bytes(Buffer.from([1, 2, 3]))
      .nbytes(null);
    w.array([1, 2], (ww, v) => ww.i32(v)).narray(null, (ww, v: number) => ww.i32(v));
    w.uvarint(300).varint(-2).varint(63);
    const buf = w.toBuffer();
    expect(buf.subarray(0, 3)).toEqual(Buffer.from([0xfb, 0xfe, 0xd4]));
    const r = new Reader(buf);
    expect(r.i8()).toBe(-5);
    expect(r.i16()).toBe(-300);
    expect(r.i32()).toBe(-70000);
    expect(r.u32()).toBe(0xfffffffe);
    expect(r.i64()).toBe(-(2n ** 62n));
    expect(r.bool()).toBe(true);
    expect(r.str()).toBe('héllo');
    expect(r.nstr()).toBeNull();
    expect(r.nstr()).toBe('x');
    expect([...r.bytes()]).toEqual([1, 2, 3]);
    expect(r.nbytes()).toBeNull();
    expect(r.array((rr) => rr.i32())).toEqual([1, 2]);
    expect(r.narray((rr) => rr.i32())).toBeNull();
    expect(r.uvarint()).toBe(300);
    expect(r.varint()).toBe(-2);
    expect(r.varint()).toBe(63);
    expect(r.remaining).toBe(0);
  });

  it('keeps large byte fields by reference', () => {
    const big = Buffer.alloc(5000, 7);
    const w = new Writer();
    w.i32(1).bytes(big).i16(2);
    const chunks = w.chunksOut();
    expect(chunks).toContain(big);
    expect(w.length).toBe(4 + 4 + 5000 + 2);
    const r = new Reader(Buffer.concat(chunks));
    expect(r.i32()).toBe(1);
    expect(r.bytes().equals(big)).toBe(true);
    expect(r.i16()).toBe(2);
  });

  it('throws typed errors on truncated or lying input', () => {
    expect(() => new Reader(Buffer.from([0, 0, 0])).i32()).toThrow(BufferUnderflowError);
    expect(() => new Reader(Buffer.from([0, 5, 0x61])).str()).toThrow(BufferUnderflowError);
    expect(() => new Reader(Buffer.from([0xff, 0xfe])).nstr()).toThrow(InvalidLengthError);
    expect(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).array((r) => r.i8())).toThrow(
      InvalidLengthError,
    );
  });

  it('never throws anything but a WireError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = new Reader(Buffer.from(bytes));
        try {
          r.str();
          r.array((x) => x.nbytes());
          r.i64();
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).name).toMatch(/Error$/);
          expect(e).not.toBeInstanceOf(RangeError);
        }
      }),
    );
  });
});

describe('FrameSplitter', () => {
  const framed = (payload: Buffer): Buffer => Buffer.concat(frame([payload]));

  it('splits frames across arbitrary chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => framed(Buffer.from(p))));
          const splitter = new FrameSplitter();
          const got: Buffer[] = [];
          let at = 0;
          let i = 0;
          while (at < stream.length) {
            const n = cuts[i++ % cuts.length]!;
            got.push(...splitter.push(stream.subarray(at, at + n)));
            at += n;
          }
          expect(got.map((b) => [...b])).toEqual(payloads.map((p) => [...p]));
          expect(splitter.pendingBytes).toBe(0);
        },
      ),
    );
  });

  it('rejects oversized and negative sizes before buffering them', () => {
    const s = new FrameSplitter(100);
    expect(() => s.push(Buffer.from([0, 0, 0, 101]))).toThrow(FrameTooLargeError);
    expect(() => new FrameSplitter().push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(FrameTooLargeError);
    expect(new FrameSplitter(100).push(Buffer.from([0, 0, 0, 100]))).toEqual([]);
  });
});

describe('request header', () => {
  it('reads v1 and v2 headers', () => {
    for (const flexible of [false, true]) {
      const w = new Writer();
      writeRequestHeader(w, { apiKey: 18, apiVersion: 3, correlationId: 42, clientId: 'rdkafka' }, flexible);
      w.i8(9);
      const r = new Reader(w.toBuffer());
      expect(readRequestHeader(r, flexible)).toEqual({
        apiKey: 18,
        apiVersion: 3,
        correlationId: 42,
        clientId: 'rdkafka',
      });
      expect(r.i8()).toBe(9);
    }
  });
});
