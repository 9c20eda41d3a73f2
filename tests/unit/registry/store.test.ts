import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.js';
import { RegistryError } from '../../../embedded/registry/errors.js';
import { MemoryRegistryLog, MemoryTopic } from '../../../embedded/registry/memory-log.js';
import { encodeKey, encodeSchemaValue } from '../../../embedded/registry/records.js';
import { SchemaStore } from '../../../embedded/registry/store.js';
import { parse, recordSchema } from './helpers.js';

const stores: SchemaStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function open(topic: MemoryTopic): Promise<SchemaStore> {
  const store = new SchemaStore({ log: new MemoryRegistryLog(topic), logger: silentLogger });
  await store.start();
  stores.push(store);
  return store;
}

const input = (schema: string) => ({ schema, references: [] });
const v1 = recordSchema('Event', [{ name: 'id', type: 'string' }]);
const v2 = recordSchema('Event', [
  { name: 'id', type: 'string' },
  { name: 'n', type: 'int', default: 0 },
]);
const other = recordSchema('Other', [{ name: 'x', type: 'long' }]);

async function codeOf(work: Promise<unknown>): Promise<number> {
  try {
    await work;
  } catch (err) {
    if (err instanceof RegistryError) return err.errorCode;
    throw err;
  }
  throw new Error('expected a registry error');
}

/** Everything a client can observe, for comparing two registries. */
async function view(store: SchemaStore) {
  const out: Record<string, { version: number; id: number; deleted: boolean; schema: string }[]> = {};
  for (const subject of await store.subjects(true)) {
    out[subject] = [];
    for (const version of await store.versions(subject, true)) {
      const v = await store.version(subject, version, true);
      out[subject].push({ version, id: v.id, deleted: v.deleted, schema: v.schema });
    }
  }
  return out;
}

describe('SchemaStore', () => {
  it('gives an identical schema the same id and no new version; versions count per subject', async () => {
    const store = await open(new MemoryTopic());
    const a = await store.register('a-value', input(v1));
    expect(a).toEqual({ id: 1, version: 1 });
    expect(await store.register('a-value', input(JSON.stringify(JSON.parse(v1), null, 2)))).toEqual(a);
    expect(await store.register('a-value', input(v2))).toEqual({ id: 2, version: 2 });
    // The same schema under another subject keeps its global id and starts at version 1 there.
    expect(await store.register('b-value', input(v2))).toEqual({ id: 2, version: 1 });
    expect(await store.subjects(false)).toEqual(['a-value', 'b-value']);
    expect(await store.versions('a-value', false)).toEqual([1, 2]);
    expect((await store.version('a-value', 'latest', false)).id).toBe(2);
    expect((await store.versionsById(2, false)).map((v) => [v.subject, v.version])).toEqual([
      ['a-value', 2],
      ['b-value', 1],
    ]);
  });

  it('looks schemas up and reports 40401 / 40402 / 40403', async () => {
    const store = await open(new MemoryTopic());
    await store.register('a-value', input(v1));
    expect((await store.lookup('a-value', input(v1), false)).version).toBe(1);
    expect(await codeOf(store.lookup('a-value', input(other), false))).toBe(40403);
    expect(await codeOf(store.lookup('nope', input(v1), false))).toBe(40401);
    expect(await codeOf(store.version('a-value', 7, false))).toBe(40402);
    expect(await codeOf(store.version('nope', 'latest', false))).toBe(40401);
    expect(await codeOf(store.schemaById(99))).toBe(40403);
  });

  it('refuses an incompatible schema with 409 under BACKWARD and accepts it under NONE', async () => {
    const store = await open(new MemoryTopic());
    await store.register('a-value', input(v1));
    const changedType = recordSchema('Event', [{ name: 'id', type: 'int' }]);
    expect(await codeOf(store.register('a-value', input(changedType)))).toBe(409);
    await store.setLevel('a-value', 'NONE');
    expect(await store.register('a-value', input(changedType))).toEqual({ id: 2, version: 2 });
  });

  it('soft-deletes and permanently deletes versions and subjects with Confluent codes', async () => {
    const store = await open(new MemoryTopic());
    await store.register('a-value', input(v1));
    await store.register('a-value', input(v2));
    expect(await codeOf(store.deleteVersion('a-value', 1, true))).toBe(40407);
    expect(await store.deleteVersion('a-value', 1, false)).toBe(1);
    expect(await codeOf(store.deleteVersion('a-value', 1, false))).toBe(40406);
    expect(await store.versions('a-value', false)).toEqual([2]);
    expect(await store.versions('a-value', true)).toEqual([1, 2]);
    // A soft-deleted schema stays readable by id (old records still carry it).
    expect((await store.schemaById(1)).schema).toBe(v1);

    expect(await codeOf(store.deleteSubject('a-value', true))).toBe(40405);
    expect(await store.deleteSubject('a-value', false)).toEqual([2]);
    expect(await codeOf(store.deleteSubject('a-value', false))).toBe(40404);
    expect(await store.subjects(false)).toEqual([]);
    expect(await store.subjects(true)).toEqual(['a-value']);

    expect(await store.deleteSubject('a-value', true)).toEqual([1, 2]);
    expect(await store.subjects(true)).toEqual([]);
    expect(await codeOf(store.schemaById(1))).toBe(40403);
    expect(await codeOf(store.deleteSubject('a-value', false))).toBe(40401);
  });

  it('re-registering a soft-deleted schema adds a version with the same id', async () => {
    const store = await open(new MemoryTopic());
    await store.register('a-value', input(v1));
    await store.deleteSubject('a-value', false);
    expect(await store.register('a-value', input(v1))).toEqual({ id: 1, version: 2 });
  });

  it('keeps subject-level and global compatibility apart', async () => {
    const store = await open(new MemoryTopic());
    expect(await store.globalLevel()).toBe('BACKWARD');
    expect(await codeOf(store.subjectLevel('a-value', false))).toBe(40408);
    expect(await store.subjectLevel('a-value', true)).toBe('BACKWARD');
    await store.setLevel(null, 'FULL');
    await store.setLevel('a-value', 'NONE');
    expect(await store.globalLevel()).toBe('FULL');
    expect(await store.subjectLevel('a-value', false)).toBe('NONE');
    expect(await store.deleteLevel('a-value')).toBe('NONE');
    expect(await codeOf(store.subjectLevel('a-value', false))).toBe(40408);
    expect(await codeOf(store.deleteLevel('never-seen'))).toBe(40401);
    expect(await store.deleteLevel(null)).toBe('FULL');
    expect(await store.globalLevel()).toBe('BACKWARD');
  });

  it('checks compatibility against one version or what registration would check', async () => {
    const store = await open(new MemoryTopic());
    await store.register('a-value', input(v1));
    await store.register('a-value', input(v2));
    const required = recordSchema('Event', [
      { name: 'id', type: 'string' },
      { name: 'n', type: 'int' },
    ]);
    // Reading v2 data (which always has n) is fine; reading v1 data is not.
    expect(await store.compatibility('a-value', 2, input(required))).toEqual([]);
    expect((await store.compatibility('a-value', 1, input(required))).length).toBe(1);
    expect(await store.compatibility('a-value', undefined, input(required))).toEqual([]);
    await store.setLevel('a-value', 'BACKWARD_TRANSITIVE');
    expect((await store.compatibility('a-value', undefined, input(required))).length).toBe(1);
    expect(await codeOf(store.compatibility('a-value', 9, input(required)))).toBe(40402);
  });

  it('resolves schema references from other subjects', async () => {
    const store = await open(new MemoryTopic());
    const address = JSON.stringify({
      type: 'record',
      name: 'Address',
      namespace: 'acme',
      fields: [{ name: 'city', type: 'string' }],
    });
    await store.register('address', input(address));
    const customer = JSON.stringify({
      type: 'record',
      name: 'Customer',
      namespace: 'acme',
      fields: [{ name: 'home', type: 'acme.Address' }],
    });
    const refs = [{ name: 'acme.Address', subject: 'address', version: 1 }];
    expect(await store.register('customer', { schema: customer, references: refs })).toEqual({
      id: 2,
      version: 1,
    });
    expect((await store.version('customer', 1, false)).references).toEqual(refs);
    expect(await store.referencedBy('address', 1)).toEqual([2]);
    expect(await codeOf(store.register('c2', { schema: customer, references: [] }))).toBe(42201);
    expect(
      await codeOf(store.register('c3', { schema: customer, references: [{ ...refs[0]!, version: 5 }] })),
    ).toBe(42201);
  });

  it('rebuilds the same state from the topic after a restart', async () => {
    const topic = new MemoryTopic();
    const first = await open(topic);
    await first.register('a-value', input(v1));
    await first.register('a-value', input(v2));
    await first.register('b-value', input(other));
    await first.deleteVersion('a-value', 1, false);
    await first.setLevel('b-value', 'FULL');
    const before = await view(first);
    const second = await open(topic);
    expect(await view(second)).toEqual(before);
    expect(await second.subjectLevel('b-value', false)).toBe('FULL');
    expect(await second.register('c-value', input(recordSchema('C', [{ name: 'c', type: 'int' }])))).toEqual({
      id: 4,
      version: 1,
    });
  });
});

describe('SchemaStore when the log is unreachable', () => {
  it('answers reads from what it has, and fails writes with a store error', async () => {
    const log = new MemoryRegistryLog();
    const store = new SchemaStore({ log, logger: silentLogger, readSyncTimeoutMs: 50, writeTimeoutMs: 200 });
    await store.start();
    stores.push(store);
    await store.register('a-value', input(v1));
    // From now on the end of the log can no longer be read, nor records appended.
    log.lastOffset = () => new Promise<number>(() => undefined);
    log.append = () => Promise.reject(new Error('broker unreachable'));
    expect(await store.versions('a-value', false)).toEqual([1]);
    expect((await store.schemaById(1)).schema).toBe(v1);
    expect(await codeOf(store.setLevel('a-value', 'FULL'))).toBe(50001);
  });
});

describe('two registries on one topic', () => {
  it('agree when they register different schemas at the same time (first writer wins)', async () => {
    const topic = new MemoryTopic();
    const [a, b] = [await open(topic), await open(topic)];
    const schemas = Array.from({ length: 6 }, (_, i) =>
      recordSchema('Event', [
        { name: 'id', type: 'string' },
        ...Array.from({ length: i }, (_, j) => ({ name: `f${j}`, type: 'int', default: 0 })),
      ]),
    );
    await a.setLevel(null, 'NONE');
    const results = await Promise.all(
      schemas.flatMap((s, i) => [
        (i % 2 ? a : b).register('shared', input(s)),
        (i % 2 ? b : a).register(`own-${i}`, input(recordSchema(`Own${i}`, [{ name: 'x', type: 'int' }]))),
      ]),
    );
    // Every registration got a distinct (subject, version) and ids are one per schema.
    const shared = results.filter((_, i) => i % 2 === 0);
    expect(new Set(shared.map((r) => r.version)).size).toBe(6);
    expect(new Set(results.map((r) => r.id)).size).toBe(12);
    expect(await view(a)).toEqual(await view(b));
    // The race really happened: losing claims were withdrawn with tombstones.
    expect(topic.records.filter((r) => r.value === null).length).toBeGreaterThan(0);
    for (const [i, s] of schemas.entries()) {
      expect((await b.lookup('shared', input(s), false)).id).toBe(shared[i]!.id);
    }
  });

  it('a fresh registry reading the compacted topic sees what they saw', async () => {
    const topic = new MemoryTopic();
    const [a, b] = [await open(topic), await open(topic)];
    await a.setLevel(null, 'NONE');
    await Promise.all([
      a.register('s', input(v1)),
      b.register('s', input(other)),
      a.register('t', input(other)),
      b.register('t', input(v1)),
    ]);
    await a.deleteVersion('s', 1, false);
    const seen = await view(a);
    expect(await view(b)).toEqual(seen);
    topic.compact();
    expect(await view(await open(topic))).toEqual(seen);
  });

  it('withdraws a losing claim left behind by a registry that stopped mid-race', async () => {
    const topic = new MemoryTopic();
    const a = await open(topic);
    await a.register('s', input(v1));
    // A claim of the same version for another schema, written after the winner: rejected by every
    // reader. Compaction would keep it (its key differs), so the next registry to start removes it.
    const loser = parse(other);
    const key = encodeKey({
      keytype: 'SCHEMA',
      subject: 's',
      version: 1,
      id: 2,
      fingerprint: loser.fingerprint,
    });
    topic.append([
      {
        key,
        value: encodeSchemaValue({
          subject: 's',
          version: 1,
          id: 2,
          schema: other,
          references: [],
          deleted: false,
        }),
      },
    ]);
    const seen = await view(a);
    expect(seen.s).toHaveLength(1);
    await open(topic);
    expect(topic.records.at(-1)).toEqual({ offset: topic.lastOffset, key, value: null });
    topic.compact();
    expect(await view(await open(topic))).toEqual(seen);
  });
});
