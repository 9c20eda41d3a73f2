import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.js';
import {
  INT32_MAX,
  ProducerErrorCode,
  ProducerIdAllocator,
  ProducerStateManager,
  incrementSequence,
  type ProducerBatch,
} from './index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'producer-state-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function manager(expirationMs = 86_400_000): ProducerStateManager {
  return new ProducerStateManager({ dir, expirationMs, logger: silentLogger });
}

function batch(baseSequence: number, count = 10, producerEpoch = 0, producerId = 7): ProducerBatch {
  return { producerId, producerEpoch, baseSequence, lastOffsetDelta: count - 1 };
}

describe('sequence numbers', () => {
  it('wrap to 0 after INT32_MAX', () => {
    expect(incrementSequence(5, 1)).toBe(6);
    expect(incrementSequence(INT32_MAX, 1)).toBe(0);
    expect(incrementSequence(INT32_MAX - 2, 9)).toBe(6);
  });
});

describe('ProducerStateManager', () => {
  it('accepts a producer it has never seen, at any sequence', () => {
    expect(manager().check(batch(55))).toEqual({ kind: 'append' });
  });

  it('accepts the next sequence and rejects gaps and replays of older sequences', () => {
    const state = manager();
    state.record(batch(0), 100, 1, 1);
    expect(state.check(batch(10))).toEqual({ kind: 'append' });
    const gap = state.check(batch(11));
    expect(gap.kind === 'reject' && gap.errorCode).toBe(ProducerErrorCode.outOfOrderSequenceNumber);
    const older = state.check(batch(5, 5));
    expect(older.kind === 'reject' && older.errorCode).toBe(ProducerErrorCode.outOfOrderSequenceNumber);
  });

  it('answers a duplicate of any of the last five batches with its original offset', () => {
    const state = manager();
    for (let i = 0; i < 6; i++) state.record(batch(i * 10), 1000 + i * 10, 5000 + i, 1);
    expect(state.check(batch(50))).toEqual({ kind: 'duplicate', baseOffset: 1050, timestamp: 5005 });
    expect(state.check(batch(10))).toEqual({ kind: 'duplicate', baseOffset: 1010, timestamp: 5001 });
    // The sixth-newest batch has left the cache: it is no longer recognised.
    expect(state.check(batch(0)).kind).toBe('reject');
  });

  it('fences an older epoch and requires sequence 0 in a new epoch', () => {
    const state = manager();
    state.record(batch(0, 10, 2), 0, 1, 1);
    const fenced = state.check(batch(10, 10, 1));
    expect(fenced.kind === 'reject' && fenced.errorCode).toBe(ProducerErrorCode.invalidProducerEpoch);
    const badStart = state.check(batch(10, 10, 3));
    expect(badStart.kind === 'reject' && badStart.errorCode).toBe(ProducerErrorCode.outOfOrderSequenceNumber);
    expect(state.check(batch(0, 10, 3))).toEqual({ kind: 'append' });
    state.record(batch(0, 10, 3), 10, 1, 1);
    expect(state.entry(7)?.epoch).toBe(3);
    expect(state.entry(7)?.batches).toHaveLength(1);
  });

  it('rejects a negative sequence from an idempotent producer as an invalid record', () => {
    const result = manager().check(batch(-1));
    expect(result.kind === 'reject' && result.errorCode).toBe(ProducerErrorCode.invalidRecord);
  });

  it('follows the sequence across the INT32_MAX wrap', () => {
    const state = manager();
    state.record(batch(INT32_MAX - 4, 10), 0, 1, 1); // covers INT32_MAX-4 .. 4
    expect(state.entry(7)?.batches[0]?.lastSequence).toBe(4);
    expect(state.check(batch(5))).toEqual({ kind: 'append' });
    expect(state.check(batch(INT32_MAX - 4, 10)).kind).toBe('duplicate');
  });

  it('keeps producers apart', () => {
    const state = manager();
    state.record(batch(0, 10, 0, 1), 0, 1, 1);
    state.record(batch(0, 10, 0, 2), 10, 1, 1);
    expect(state.check(batch(10, 1, 0, 1))).toEqual({ kind: 'append' });
    expect(state.check(batch(0, 10, 0, 2))).toEqual({ kind: 'duplicate', baseOffset: 10, timestamp: 1 });
  });

  it('survives a restart through snapshots', () => {
    const before = manager();
    before.record(batch(0), 0, 1, 1);
    before.record(batch(10), 10, 2, 1);
    before.writeSnapshot(20);
    const after = manager();
    expect(after.loadSnapshot(20)).toBe(20);
    expect(after.check(batch(10))).toEqual({ kind: 'duplicate', baseOffset: 10, timestamp: 2 });
    expect(after.check(batch(20))).toEqual({ kind: 'append' });
  });

  it('ignores snapshots beyond a truncated log end and keeps only the newest ones', () => {
    const state = manager();
    for (let i = 1; i <= 4; i++) {
      state.record(batch((i - 1) * 10), (i - 1) * 10, 1, 1);
      state.writeSnapshot(i * 10);
    }
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.snapshot'))).toHaveLength(2);
    const reopened = manager();
    expect(reopened.loadSnapshot(35)).toBe(30);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.snapshot'))).toHaveLength(1);
    expect(reopened.check(batch(30))).toEqual({ kind: 'append' });
    expect(manager().loadSnapshot(5)).toBeNull();
  });

  it('expires idle producers by broker time', () => {
    const state = manager(1000);
    state.record(batch(0, 1, 0, 1), 0, 1, 10_000);
    state.record(batch(0, 1, 0, 2), 1, 1, 10_900);
    expect(state.removeExpired(11_500)).toBe(1);
    expect(state.entry(1)).toBeUndefined();
    expect(state.entry(2)).toBeDefined();
  });
});

describe('ProducerIdAllocator', () => {
  it('never hands out an id twice, across restarts', () => {
    const file = path.join(dir, 'producer-ids.json');
    const first = ProducerIdAllocator.open(file);
    const ids = [first.allocate(), first.allocate(), first.allocate()];
    expect(ids).toEqual([0, 1, 2]);
    const second = ProducerIdAllocator.open(file);
    const next = second.allocate();
    expect(next).toBeGreaterThan(2);
    const third = ProducerIdAllocator.open(file);
    expect(third.allocate()).toBeGreaterThan(next);
  });
});
