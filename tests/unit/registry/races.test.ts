import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.js';
import { RegistryError } from '../../../embedded/registry/errors.js';
import { MemoryRegistryLog, MemoryTopic } from '../../../embedded/registry/memory-log.js';
import { SchemaStore } from '../../../embedded/registry/store.js';
import { recordSchema } from './helpers.js';

const SUBJECTS = ['s', 't', 'u'];
const SCHEMAS = Array.from({ length: 5 }, (_, i) =>
  recordSchema(`R${i % 2}`, [{ name: `f${i}`, type: 'int' }]),
);

type Op =
  | { kind: 'register'; store: number; subject: number; schema: number }
  | { kind: 'softDeleteLatest'; store: number; subject: number }
  | { kind: 'deleteSubject'; store: number; subject: number; permanent: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      store: fc.nat(2),
      subject: fc.nat(2),
      schema: fc.nat(4),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('softDeleteLatest' as const),
      store: fc.nat(2),
      subject: fc.nat(2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deleteSubject' as const),
      store: fc.nat(2),
      subject: fc.nat(2),
      permanent: fc.boolean(),
    }),
  },
);

async function open(topic: MemoryTopic): Promise<SchemaStore> {
  const store = new SchemaStore({ log: new MemoryRegistryLog(topic), logger: silentLogger });
  await store.start();
  return store;
}

async function run(store: SchemaStore, o: Op): Promise<void> {
  const subject = SUBJECTS[o.subject]!;
  try {
    if (o.kind === 'register') await store.register(subject, { schema: SCHEMAS[o.schema]!, references: [] });
    else if (o.kind === 'softDeleteLatest') await store.deleteVersion(subject, 'latest', false);
    else await store.deleteSubject(subject, o.permanent);
  } catch (err) {
    if (!(err instanceof RegistryError) || err.httpStatus >= 500) throw err;
  }
}

async function view(store: SchemaStore) {
  const out: Record<string, [number, number, boolean][]> = {};
  for (const subject of await store.subjects(true)) {
    out[subject] = [];
    for (const version of await store.versions(subject, true)) {
      const v = await store.version(subject, version, true);
      out[subject].push([version, v.id, v.deleted]);
    }
  }
  return out;
}

describe('registries racing on one topic', () => {
  it('always agree, and a registry reading the compacted topic agrees with them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        async (rounds) => {
          const topic = new MemoryTopic();
          const stores = [await open(topic), await open(topic), await open(topic)];
          await stores[0]!.setLevel(null, 'NONE');
          for (const round of rounds) await Promise.all(round.map((o) => run(stores[o.store]!, o)));
          const seen = await view(stores[0]!);
          expect(await view(stores[1]!)).toEqual(seen);
          expect(await view(stores[2]!)).toEqual(seen);
          // Every schema keeps one id across subjects.
          const idsBySchema = new Map<string, Set<number>>();
          for (const subject of Object.keys(seen)) {
            for (const [version] of seen[subject]!) {
              const v = await stores[0]!.version(subject, version, true);
              idsBySchema.set(v.schema, (idsBySchema.get(v.schema) ?? new Set()).add(v.id));
            }
          }
          for (const ids of idsBySchema.values()) expect(ids.size).toBe(1);
          topic.compact();
          const fresh = await open(topic);
          expect(await view(fresh)).toEqual(seen);
          await Promise.all([...stores, fresh].map((s) => s.close()));
        },
      ),
      { numRuns: 40 },
    );
  });
});
