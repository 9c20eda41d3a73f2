import type { Reader } from '../wire/reader.js';
import type { Writer } from '../wire/writer.js';

/**
 * Declarative message codecs, modelled on Kafka's JSON message definitions: a message is a
 * struct of fields, each present in a version range, so one declaration gives both the decoder
 * and the encoder of every version and the two cannot disagree. Only non-flexible versions are
 * described here (the broker advertises no flexible version).
 */
export interface Codec<T> {
  read(r: Reader, version: number): T;
  write(w: Writer, value: T, version: number): void;
}

/** A field present only in versions [min, max]; elsewhere it reads as `fallback` and is not written. */
export interface VersionedField<T> {
  readonly codec: Codec<T>;
  readonly min: number;
  readonly max: number;
  readonly fallback: T;
}

export function since<T>(min: number, codec: Codec<T>, fallback: T): VersionedField<T> {
  return { codec, min, max: Number.MAX_SAFE_INTEGER, fallback };
}

export function upTo<T>(max: number, codec: Codec<T>, fallback: T): VersionedField<T> {
  return { codec, min: 0, max, fallback };
}

export function only<T>(min: number, max: number, codec: Codec<T>, fallback: T): VersionedField<T> {
  return { codec, min, max, fallback };
}

export const int8: Codec<number> = { read: (r) => r.i8(), write: (w, v) => void w.i8(v) };
export const int16: Codec<number> = { read: (r) => r.i16(), write: (w, v) => void w.i16(v) };
export const int32: Codec<number> = { read: (r) => r.i32(), write: (w, v) => void w.i32(v) };
/** int64 as a JavaScript number: offsets and timestamps stay far below 2^53. */
export const int64: Codec<number> = { read: (r) => Number(r.i64()), write: (w, v) => void w.i64(BigInt(v)) };
export const boolean: Codec<boolean> = { read: (r) => r.bool(), write: (w, v) => void w.bool(v) };
export const string: Codec<string> = { read: (r) => r.str(), write: (w, v) => void w.str(v) };
export const nullableString: Codec<string | null> = {
  read: (r) => r.nstr(),
  write: (w, v) => void w.nstr(v),
};
export const bytes: Codec<Buffer> = { read: (r) => r.bytes(), write: (w, v) => void w.bytes(v) };
export const nullableBytes: Codec<Buffer | null> = {
  read: (r) => r.nbytes(),
  write: (w, v) => void w.nbytes(v),
};
/** A `recs` field: concatenated record batches, kept opaque (records/ parses them). */
export const records = nullableBytes;

export function array<T>(item: Codec<T>): Codec<T[]> {
  return {
    read: (r, v) => r.array((rr) => item.read(rr, v)),
    write: (w, value, v) => void w.array(value, (ww, x) => item.write(ww, x, v)),
  };
}

export function nullableArray<T>(item: Codec<T>): Codec<T[] | null> {
  return {
    read: (r, v) => r.narray((rr) => item.read(rr, v)),
    write: (w, value, v) => void w.narray(value, (ww, x) => item.write(ww, x, v)),
  };
}

type FieldSpec<T> = Codec<T> | VersionedField<T>;

function isVersioned<T>(spec: FieldSpec<T>): spec is VersionedField<T> {
  return 'codec' in spec;
}

/** A struct: fields are read and written in declaration order. */
export function struct<T extends object>(fields: { [K in keyof T]-?: FieldSpec<T[K]> }): Codec<T> {
  const entries = (Object.keys(fields) as (keyof T & string)[]).map((name) => {
    const spec = fields[name] as FieldSpec<unknown>;
    return isVersioned(spec)
      ? { name, codec: spec.codec, min: spec.min, max: spec.max, fallback: spec.fallback }
      : { name, codec: spec, min: 0, max: Number.MAX_SAFE_INTEGER, fallback: undefined };
  });
  return {
    read(r, version) {
      const out: Record<string, unknown> = {};
      for (const f of entries) {
        out[f.name] = version >= f.min && version <= f.max ? f.codec.read(r, version) : f.fallback;
      }
      return out as T;
    },
    write(w, value, version) {
      const rec = value as Record<string, unknown>;
      for (const f of entries) {
        if (version >= f.min && version <= f.max) f.codec.write(w, rec[f.name], version);
      }
    },
  };
}

/** The request and response codecs of one API. */
export interface ApiMessages<Req, Res> {
  readonly request: Codec<Req>;
  readonly response: Codec<Res>;
}

/**
 * A nullable array whose null form exists only from `nullableFrom` on; before that, null is
 * written as an empty array (which meant "all" in those versions, as null does later).
 */
export function nullableArraySince<T>(nullableFrom: number, item: Codec<T>): Codec<T[] | null> {
  const plain = array(item);
  const nullable = nullableArray(item);
  return {
    read: (r, v) => (v >= nullableFrom ? nullable.read(r, v) : plain.read(r, v)),
    write: (w, value, v) =>
      v >= nullableFrom ? nullable.write(w, value, v) : plain.write(w, value ?? [], v),
  };
}
