import { describe, expect, it } from 'vitest';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { ADVERTISED_APIS, ApiKey } from './api-keys.js';
import { advertisedVersions, unsupportedVersionFallback } from './api-versions/fallback.js';
import { MESSAGES } from './messages.js';
import type { Codec } from './schema.js';

function encode<T>(codec: Codec<T>, value: T, version: number): Buffer {
  const w = new Writer();
  codec.write(w, value, version);
  return w.toBuffer();
}

function decode<T>(codec: Codec<T>, buf: Buffer, version: number): T {
  const r = new Reader(buf);
  const value = codec.read(r, version);
  expect(r.remaining).toBe(0);
  return value;
}

describe('advertised version table', () => {
  it('has a codec for every advertised API and only non-flexible versions', () => {
    for (const api of ADVERTISED_APIS) {
      expect(MESSAGES[api.key]).toBeDefined();
      expect(api.maxVersion).toBeLessThan(api.flexibleFrom);
    }
  });

  it('keeps the minima librdkafka needs for groups, MsgVer2 and idempotence', () => {
    const range = (k: number) => ADVERTISED_APIS.find((a) => a.key === k)!;
    for (const k of [
      ApiKey.FindCoordinator,
      ApiKey.JoinGroup,
      ApiKey.SyncGroup,
      ApiKey.Heartbeat,
      ApiKey.LeaveGroup,
      ApiKey.InitProducerId,
      ApiKey.ApiVersions,
    ]) {
      expect(range(k).minVersion).toBe(0);
    }
    expect(range(ApiKey.Produce)).toMatchObject({ minVersion: 3, maxVersion: 7 });
    expect(range(ApiKey.Fetch)).toMatchObject({ minVersion: 4, maxVersion: 11 });
    expect(range(ApiKey.OffsetFetch).minVersion).toBeLessThanOrEqual(1);
  });
});

describe('ApiVersions', () => {
  it('writes throttle_time_ms from v1 only', () => {
    const res = advertisedVersions();
    const v0 = encode(MESSAGES[ApiKey.ApiVersions].response, res, 0);
    const v1 = encode(MESSAGES[ApiKey.ApiVersions].response, res, 1);
    expect(v0.length).toBe(2 + 4 + 6 * ADVERTISED_APIS.length);
    expect(v1.length).toBe(v0.length + 4);
  });

  it('falls back to error 35 listing only ApiVersions', () => {
    const bytes = encode(MESSAGES[ApiKey.ApiVersions].response, unsupportedVersionFallback(), 0);
    expect([...bytes]).toEqual([0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 2]);
  });
});

describe('Produce', () => {
  const response = {
    responses: [
      {
        name: 't',
        partitionResponses: [
          { index: 0, errorCode: 0, baseOffset: 5, logAppendTimeMs: -1, logStartOffset: 0 },
        ],
      },
    ],
    throttleTimeMs: 0,
  };

  it('adds log_start_offset at v5 and keeps throttle last', () => {
    const v3 = encode(MESSAGES[ApiKey.Produce].response, response, 3);
    const v5 = encode(MESSAGES[ApiKey.Produce].response, response, 5);
    expect(v5.length).toBe(v3.length + 8);
    expect(v5.readInt32BE(v5.length - 4)).toBe(0);
    expect(decode(MESSAGES[ApiKey.Produce].response, v5, 5)).toEqual(response);
    expect(
      decode(MESSAGES[ApiKey.Produce].response, v3, 3).responses[0]!.partitionResponses[0]!.logStartOffset,
    ).toBe(-1);
  });

  it('decodes a request byte for byte', () => {
    const w = new Writer();
    w.nstr(null).i16(-1).i32(30000).i32(1).str('topic').i32(1).i32(2).nbytes(Buffer.from('batch'));
    const req = decode(MESSAGES[ApiKey.Produce].request, w.toBuffer(), 7);
    expect(req).toEqual({
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 'topic', partitionData: [{ index: 2, records: Buffer.from('batch') }] }],
    });
  });
});

describe('Fetch', () => {
  it('decodes v11 with sessions, leader epoch and rack', () => {
    const w = new Writer();
    w.i32(-1)
      .i32(500)
      .i32(1)
      .i32(1 << 20)
      .i8(1)
      .i32(0)
      .i32(-1);
    w.i32(1)
      .str('t')
      .i32(1)
      .i32(3)
      .i32(-1)
      .i64(42n)
      .i64(-1n)
      .i32(1 << 20);
    w.i32(0).str('');
    const req = decode(MESSAGES[ApiKey.Fetch].request, w.toBuffer(), 11);
    expect(req).toMatchObject({
      maxWaitMs: 500,
      minBytes: 1,
      isolationLevel: 1,
      sessionEpoch: -1,
      rackId: '',
    });
    expect(req.topics[0]!.partitions[0]).toEqual({
      partition: 3,
      currentLeaderEpoch: -1,
      fetchOffset: 42,
      logStartOffset: -1,
      partitionMaxBytes: 1 << 20,
    });
  });

  it('decodes v4 without the later fields', () => {
    const w = new Writer();
    w.i32(-1).i32(100).i32(1).i32(1000).i8(0).i32(1).str('t').i32(1).i32(0).i64(7n).i32(1000);
    const req = decode(MESSAGES[ApiKey.Fetch].request, w.toBuffer(), 4);
    expect(req.forgottenTopicsData).toEqual([]);
    expect(req.topics[0]!.partitions[0]!.fetchOffset).toBe(7);
  });
});

describe('Metadata', () => {
  it('v0 writes null topics as an empty array; v1 as -1', () => {
    const req = { topics: null, allowAutoTopicCreation: true };
    expect([...encode(MESSAGES[ApiKey.Metadata].request, req, 0)]).toEqual([0, 0, 0, 0]);
    expect([...encode(MESSAGES[ApiKey.Metadata].request, req, 1)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect([...encode(MESSAGES[ApiKey.Metadata].request, req, 4)]).toEqual([0xff, 0xff, 0xff, 0xff, 1]);
  });
});

describe('round trips', () => {
  const samples: { key: ApiKey; request: unknown; response: unknown }[] = [
    {
      key: ApiKey.LeaveGroup,
      request: { groupId: 'g', memberId: 'm', members: [{ memberId: 'm', groupInstanceId: null }] },
      response: {
        throttleTimeMs: 0,
        errorCode: 0,
        members: [{ memberId: 'm', groupInstanceId: null, errorCode: 0 }],
      },
    },
    {
      key: ApiKey.DescribeConfigs,
      request: {
        resources: [{ resourceType: 2, resourceName: 't', configurationKeys: null }],
        includeSynonyms: true,
      },
      response: {
        throttleTimeMs: 0,
        results: [
          {
            errorCode: 0,
            errorMessage: null,
            resourceType: 2,
            resourceName: 't',
            configs: [
              {
                name: 'cleanup.policy',
                value: 'compact',
                readOnly: false,
                isDefault: false,
                configSource: 1,
                isSensitive: false,
                synonyms: [],
              },
            ],
          },
        ],
      },
    },
    {
      key: ApiKey.ListOffsets,
      request: {
        replicaId: -1,
        isolationLevel: 1,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -2, maxNumOffsets: 1 }] }],
      },
      response: {
        throttleTimeMs: 0,
        topics: [
          {
            name: 't',
            partitions: [{ partitionIndex: 0, errorCode: 0, oldStyleOffsets: [3], timestamp: -1, offset: 3 }],
          },
        ],
      },
    },
    {
      key: ApiKey.OffsetCommit,
      request: {
        groupId: 'g',
        generationId: 1,
        memberId: 'm',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [
          {
            name: 't',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 10,
                committedLeaderEpoch: -1,
                commitTimestamp: -1,
                committedMetadata: null,
              },
            ],
          },
        ],
      },
      response: {
        throttleTimeMs: 0,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
      },
    },
  ];

  it('re-encodes every sample identically in every advertised version', () => {
    for (const s of samples) {
      const api = ADVERTISED_APIS.find((a) => a.key === s.key)!;
      const codecs = MESSAGES[s.key] as unknown as { request: Codec<unknown>; response: Codec<unknown> };
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        for (const [codec, value] of [
          [codecs.request, s.request],
          [codecs.response, s.response],
        ] as const) {
          const bytes = encode(codec, value, v);
          const again = encode(codec, decode(codec, bytes, v), v);
          expect(again.equals(bytes)).toBe(true);
        }
      }
    }
  });

  it('uses the v0 ListOffsets layout (array of offsets, no timestamp)', () => {
    const codec = MESSAGES[ApiKey.ListOffsets].response;
    const res = decode(codec, encode(codec, samples[2]!.response as never, 0), 0);
    expect(res.topics[0]!.partitions[0]).toEqual({
      partitionIndex: 0,
      errorCode: 0,
      oldStyleOffsets: [3],
      timestamp: -1,
      offset: -1,
    });
  });
});
