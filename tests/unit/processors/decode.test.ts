import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessages, RegistryUnavailableError } from '../../../processors/runtime/decode.js';
import type { RawMessage } from '../../../processors/runtime/records.js';
import { avroType } from '../../../schemas/avro.js';
import { AvroSerde, frame } from '../../../schemas/serde.js';
import { event } from './helpers.js';

/** A registry that knows schema id 1 (Interaction) only; answers 404 or 500 for others over HTTP. */
const registry = {
  getSchema: async (id: number) => {
    if (id === 1) return avroType('Interaction');
    throw new Error(`schema ${id} not found`);
  },
  register: async () => ({ id: 1 }),
} as unknown as SchemaRegistry;

describe('decoding input messages', () => {
  const serde = new AvroSerde({ registry });
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = req.url === '/schemas/ids/77' ? 404 : 500;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const encoded = (fields = {}) => frame(1, avroType('Interaction').toBuffer(event(fields)));
  const message = (
    offset: number,
    value: Buffer | null,
    key: string | null = 'u1',
    headers = {},
  ): RawMessage => ({
    offset,
    key: key === null ? null : Buffer.from(key),
    value,
    headers,
  });

  it('turns every kind of bad input into a rejection with a code, a reason and the raw bytes', async () => {
    const out = await decodeMessages(
      [
        message(0, encoded()),
        message(1, null),
        message(2, Buffer.from('plain text')),
        message(3, frame(1, Buffer.from([0xff, 0xff]))),
        message(4, encoded({ rating: 7 })),
        message(5, encoded({ user_id: '' }), ''),
        message(6, encoded(), 'u2'),
        message(7, encoded(), null),
        message(8, frame(77, Buffer.from([1]))),
      ],
      { serde, registryUrl: url, keyField: 'user_id' },
    );
    expect(out.map((r) => (r.kind === 'event' ? 'event' : r.code))).toEqual([
      'event',
      'null_value',
      'not_confluent_wire_format',
      'avro_decode_failed',
      'invalid_interaction',
      'invalid_interaction',
      'key_mismatch',
      'key_mismatch',
      'unknown_schema_id',
    ]);
    const rejected = out.filter((r) => r.kind === 'rejected');
    expect(rejected.map((r) => r.offset)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const text = rejected.find((r) => r.code === 'not_confluent_wire_format')!;
    expect(text.raw?.toString()).toBe('plain text');
    expect(text.rawKey?.toString()).toBe('u1');
    expect(rejected.find((r) => r.offset === 4)).toMatchObject({
      field: 'rating',
      reason: expect.stringMatching(/rating 7/),
    });
    expect(rejected.find((r) => r.offset === 7)!.reason).toMatch(/message key is null but user_id is "u1"/);
  });

  it('retries (throws) when the registry cannot say whether a schema id exists', async () => {
    await expect(
      decodeMessages([message(0, frame(78, Buffer.from([1])))], {
        serde,
        registryUrl: url,
        keyField: 'user_id',
      }),
    ).rejects.toThrow(RegistryUnavailableError);
    await expect(
      decodeMessages([message(0, frame(78, Buffer.from([1])))], {
        serde,
        registryUrl: 'http://127.0.0.1:1',
        keyField: 'user_id',
      }),
    ).rejects.toThrow(/schema registry unreachable/);
  });

  it('reads the repartition headers only when asked', async () => {
    const headers = {
      'rs-version': Buffer.from('v2'),
      'rs-origin-partition': '3',
      'rs-origin-offset': Buffer.from('41'),
    };
    const m = message(0, encoded({ item_id: 'i9' }), 'i9', headers);
    const [withHeaders] = await decodeMessages([m], {
      serde,
      registryUrl: url,
      keyField: 'item_id',
      readProvenance: true,
    });
    expect(withHeaders).toMatchObject({
      kind: 'event',
      provenance: { version: 'v2', originPartition: 3, originOffset: 41 },
    });
    const [without] = await decodeMessages([m], { serde, registryUrl: url, keyField: 'item_id' });
    expect(without).toMatchObject({
      kind: 'event',
      provenance: { version: null, originPartition: null, originOffset: null },
    });
  });
});
