import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { IdIndex } from '../dataset.js';

/**
 * The on-disk form of a model: a directory with
 *   model.json      kind, format version, params and any scalar state, and the list of arrays
 *   users.json      user ids in index order (index i of every user array is users[i])
 *   items.json      item ids in index order
 *   <name>.f32|.i32 each typed array as raw little-endian bytes
 *
 * Raw arrays load without parsing (a 1M-row factor matrix reads in milliseconds) and are
 * byte-for-byte reproducible, so a SHA-256 over the directory identifies a model exactly:
 * the same snapshot and seed give the same checksum.
 */

export const ARTIFACT_FORMAT = 'recostream-model';
export const ARTIFACT_FORMAT_VERSION = 1;

type ArrayType = 'f32' | 'f64' | 'i32';
export type ArtifactArray = Float32Array | Float64Array | Int32Array;

export interface ArtifactContents {
  kind: string;
  /** JSON-serialisable params and scalar state. */
  meta: Record<string, unknown>;
  users: IdIndex;
  items: IdIndex;
  arrays: Record<string, ArtifactArray>;
}

interface ModelJson {
  format: string;
  formatVersion: number;
  kind: string;
  meta: Record<string, unknown>;
  arrays: Record<string, { file: string; type: ArrayType; length: number }>;
}

function assertLittleEndian(): void {
  // Typed arrays use the platform's byte order; every platform Node ships for is little-endian.
  if (endianness() !== 'LE') throw new Error('model artifacts are little-endian; this platform is not');
}

function typeOf(array: ArtifactArray): ArrayType {
  if (array instanceof Float32Array) return 'f32';
  if (array instanceof Float64Array) return 'f64';
  return 'i32';
}

export async function writeArtifact(dir: string, contents: ArtifactContents): Promise<void> {
  assertLittleEndian();
  await mkdir(dir, { recursive: true });
  const arrays: ModelJson['arrays'] = {};
  for (const [name, array] of Object.entries(contents.arrays)) {
    if (!/^[a-z][a-z0-9_]*$/i.test(name)) throw new Error(`bad array name ${name}`);
    const type = typeOf(array);
    const file = `${name}.${type}`;
    arrays[name] = { file, type, length: array.length };
    await writeFile(join(dir, file), new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }
  const model: ModelJson = {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    kind: contents.kind,
    meta: contents.meta,
    arrays,
  };
  await writeFile(join(dir, 'users.json'), JSON.stringify(contents.users.ids));
  await writeFile(join(dir, 'items.json'), JSON.stringify(contents.items.ids));
  await writeFile(join(dir, 'model.json'), JSON.stringify(model, null, 2) + '\n');
}

export async function readArtifact(dir: string): Promise<ArtifactContents> {
  assertLittleEndian();
  const model = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
  if (model.format !== ARTIFACT_FORMAT) throw new Error(`${dir} is not a model artifact`);
  if (model.formatVersion !== ARTIFACT_FORMAT_VERSION) {
    throw new Error(
      `${dir}: artifact format ${model.formatVersion}, this build reads ${ARTIFACT_FORMAT_VERSION}`,
    );
  }
  const users = IdIndex.from(JSON.parse(await readFile(join(dir, 'users.json'), 'utf8')) as string[]);
  const items = IdIndex.from(JSON.parse(await readFile(join(dir, 'items.json'), 'utf8')) as string[]);
  const arrays: Record<string, ArtifactArray> = {};
  for (const [name, { file, type, length }] of Object.entries(model.arrays)) {
    const bytes = await readFile(join(dir, file));
    // Copy into a fresh, aligned buffer: a Buffer's slice of Node's pool may be misaligned.
    const buffer = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(buffer).set(bytes);
    const array =
      type === 'f32'
        ? new Float32Array(buffer)
        : type === 'f64'
          ? new Float64Array(buffer)
          : new Int32Array(buffer);
    if (array.length !== length)
      throw new Error(`${dir}/${file}: expected ${length} values, found ${array.length}`);
    arrays[name] = array;
  }
  return { kind: model.kind, meta: model.meta, users, items, arrays };
}

/** The model kind stored in `dir`, without reading its arrays. */
export async function readArtifactKind(dir: string): Promise<string> {
  const model = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
  return model.kind;
}

/**
 * SHA-256 over every file in the artifact directory (recursively, in sorted path order, each
 * path and its bytes), hex-encoded: what a run record stores as the artifact checksum.
 */
export async function checksumArtifact(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (relative: string): Promise<void> => {
    const entries = await readdir(join(dir, relative), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await visit(path);
      } else if (entry.isFile()) {
        const bytes = await readFile(join(dir, path));
        hash.update(`${path}\0${bytes.byteLength}\0`);
        hash.update(bytes);
      }
    }
  };
  await visit('');
  return hash.digest('hex');
}
