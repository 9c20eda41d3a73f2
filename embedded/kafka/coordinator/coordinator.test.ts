import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { GroupCoordinator } from './coordinator.js';
import type { Scheduler } from './scheduler.js';
import type { JoinRequest, JoinResponse } from './types.js';

/** A clock that only moves when the test says so. */
class FakeScheduler implements Scheduler {
  private time = 1_000_000;
  private timers: { at: number; fn: () => void; seq: number }[] = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  schedule(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + ms, fn, seq: this.seq++ };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = end;
  }
}

const meta = (s: string): Buffer => Buffer.from(s);

function joinReq(over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: meta('m') }],
    requireKnownMemberId: false,
    ...over,
  };
}

/** Settles promise state so tests can check whether a parked request has been answered. */
async function state<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

describe('GroupCoordinator', () => {
  let dir: string;
  let clock: FakeScheduler;
  let gc: GroupCoordinator;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coord-'));
    clock = new FakeScheduler();
    gc = await GroupCoordinator.open({ dataDir: dir, logger: silentLogger, scheduler: clock });
  });

  afterEach(async () => {
    await gc.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One member joins and syncs: a Stable group of generation 1. */
  async function stableOne(): Promise<JoinResponse> {
    const a = await gc.join(joinReq());
    expect(a.errorCode).toBe(0);
    const s = await gc.sync({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      assignments: [{ memberId: a.memberId, assignment: meta('A') }],
    });
    expect(s).toEqual({ errorCode: 0, assignment: meta('A') });
    return a;
  }

  it('validates the join request', async () => {
    expect((await gc.join(joinReq({ groupId: '' }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await gc.join(joinReq({ sessionTimeoutMs: 1000 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await gc.join(joinReq({ memberId: 'nobody' }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await gc.join(joinReq({ protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    await stableOne();
    const other = await gc.join(joinReq({ protocols: [{ name: 'sticky', metadata: meta('') }] }));
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await gc.join(joinReq({ protocolType: 'connect' }))).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
  });

  it('asks v4+ dynamic members for a member id first (KIP-394), never static ones', async () => {
    const first = await gc.join(joinReq({ requireKnownMemberId: true, clientId: 'kafkajs' }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^kafkajs-[0-9a-f-]{36}$/);
    expect(first.generationId).toBe(-1);
    const second = await gc.join(joinReq({ requireKnownMemberId: true, memberId: first.memberId }));
    expect(second).toMatchObject({
      errorCode: 0,
      generationId: 1,
      leader: first.memberId,
      memberId: first.memberId,
      protocolName: 'range',
    });
    expect(second.members).toEqual([
      { memberId: first.memberId, groupInstanceId: null, metadata: meta('m') },
    ]);
    const staticJoin = await gc.join(
      joinReq({ groupId: 'h', requireKnownMemberId: true, groupInstanceId: 'i-1' }),
    );
    expect(staticJoin.errorCode).toBe(0);
  });

  it('forgets a KIP-394 member id that is not used within the session timeout', async () => {
    const first = await gc.join(joinReq({ requireKnownMemberId: true }));
    clock.advance(10_001);
    expect((await gc.join(joinReq({ memberId: first.memberId }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('rebalances when a member joins: the leader gets the members, followers none', async () => {
    const a = await stableOne();
    const bJoin = gc.join(joinReq({ clientId: 'b' }));
    expect(await state(bJoin)).toBe('pending');
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId })).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    expect(gc.describe(['g'])[0]!.state).toBe('PreparingRebalance');
    const aJoin = await gc.join(joinReq({ memberId: a.memberId }));
    const b = await bJoin;
    expect(aJoin).toMatchObject({ errorCode: 0, generationId: 2, leader: a.memberId });
    expect(aJoin.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(b).toMatchObject({ errorCode: 0, generationId: 2, leader: a.memberId, members: [] });

    const bSync = gc.sync({ groupId: 'g', generationId: 2, memberId: b.memberId, assignments: [] });
    expect(await state(bSync)).toBe('pending');
    expect(gc.heartbeat({ groupId: 'g', generationId: 2, memberId: b.memberId })).toBe(0);
    const aSync = await gc.sync({
      groupId: 'g',
      generationId: 2,
      memberId: a.memberId,
      assignments: [{ memberId: b.memberId, assignment: meta('B') }],
    });
    expect(aSync).toEqual({ errorCode: 0, assignment: Buffer.alloc(0) });
    expect(await bSync).toEqual({ errorCode: 0, assignment: meta('B') });
    expect(gc.describe(['g'])[0]).toMatchObject({ state: 'Stable', protocolName: 'range' });
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: b.memberId })).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    expect(
      (await gc.sync({ groupId: 'g', generationId: 2, memberId: b.memberId, assignments: [] })).assignment,
    ).toEqual(meta('B'));
  });

  it('drops members that do not rejoin within the rebalance timeout', async () => {
    const a = await stableOne();
    const bJoin = gc.join(joinReq({ clientId: 'b', rebalanceTimeoutMs: 5000 }));
    // A stays alive (heartbeats answer 27) but never rejoins: the largest rebalance timeout decides.
    for (let t = 0; t < 25_000; t += 5000) {
      clock.advance(5000);
      expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId })).toBe(
        ErrorCode.REBALANCE_IN_PROGRESS,
      );
    }
    clock.advance(4_999);
    expect(await state(bJoin)).toBe('pending');
    clock.advance(1);
    const b = await bJoin;
    expect(b).toMatchObject({ errorCode: 0, generationId: 2, leader: b.memberId });
    expect(gc.heartbeat({ groupId: 'g', generationId: 2, memberId: a.memberId })).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('expires members by session timeout, refreshed by heartbeats', async () => {
    const a = await stableOne();
    clock.advance(9_000);
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId })).toBe(0);
    clock.advance(9_000);
    expect(gc.describe(['g'])[0]!.state).toBe('Stable');
    clock.advance(1_001);
    expect(gc.describe(['g'])[0]).toMatchObject({ state: 'Empty', members: [] });
    expect(gc.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId })).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('answers a follower rejoining unchanged at once, and rebalances on a leader rejoin', async () => {
    const a = await stableOne();
    const bJoin = gc.join(joinReq({ clientId: 'b' }));
    await gc.join(joinReq({ memberId: a.memberId }));
    const b = await bJoin;
    const bSync = gc.sync({ groupId: 'g', generationId: 2, memberId: b.memberId, assignments: [] });
    await gc.sync({ groupId: 'g', generationId: 2, memberId: a.memberId, assignments: [] });
    await bSync;
    const again = await gc.join(joinReq({ memberId: b.memberId }));
    expect(again).toMatchObject({ errorCode: 0, generationId: 2, leader: a.memberId, members: [] });
    const leaderRejoin = gc.join(joinReq({ memberId: a.memberId }));
    expect(await state(leaderRejoin)).toBe('pending');
    expect(gc.describe(['g'])[0]!.state).toBe('PreparingRebalance');
  });

  it('tells members parked in SyncGroup when the generation is abandoned', async () => {
    const a = await stableOne();
    const bJoin = gc.join(joinReq({ clientId: 'b' }));
    await gc.join(joinReq({ memberId: a.memberId }));
    const b = await bJoin;
    const bSync = gc.sync({ groupId: 'g', generationId: 2, memberId: b.memberId, assignments: [] });
    gc.leave({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] });
    expect((await bSync).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('selects the protocol all members support with the most first-preference votes', async () => {
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: meta(name) }));
    const a = gc.join(joinReq({ protocols: p('range', 'roundrobin') }));
    const first = await a;
    const bJoin = gc.join(joinReq({ protocols: p('roundrobin', 'range') }));
    const cJoin = gc.join(joinReq({ protocols: p('roundrobin') }));
    const aJoin = await gc.join(joinReq({ memberId: first.memberId, protocols: p('range', 'roundrobin') }));
    await Promise.all([bJoin, cJoin]);
    expect(aJoin.protocolName).toBe('roundrobin');
    expect(aJoin.members.every((m) => m.metadata.equals(meta('roundrobin')))).toBe(true);
  });

  it('empties the group when the last member leaves', async () => {
    const a = await stableOne();
    expect(gc.leave({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] })).toEqual({
      errorCode: 0,
      members: [{ memberId: a.memberId, groupInstanceId: null, errorCode: 0 }],
    });
    expect(gc.describe(['g'])[0]).toMatchObject({ state: 'Empty' });
    expect(
      gc.leave({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] }).errorCode,
    ).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const next = await gc.join(joinReq());
    expect(next.generationId).toBe(3);
  });

  it('validates offset commits like Kafka', async () => {
    const offsets = [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }];
    const commit = (over: Partial<Parameters<GroupCoordinator['commitOffsets']>[0]>) =>
      gc.commitOffsets({
        groupId: 'g',
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        offsets,
        ...over,
      });
    expect((await commit({ generationId: 3, memberId: 'x' }))[0]!.errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    expect((await commit({}))[0]!.errorCode).toBe(0);
    expect(gc.describe(['g'])[0]!.state).toBe('Empty');
    const a = await stableOne();
    expect((await commit({}))[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await commit({ generationId: 1, memberId: 'x' }))[0]!.errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    expect((await commit({ generationId: 7, memberId: a.memberId }))[0]!.errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    const ok = await commit({
      generationId: 1,
      memberId: a.memberId,
      offsets: [
        { ...offsets[0]!, offset: 9, metadata: 'x'.repeat(5000) },
        { ...offsets[0]!, partition: 1, offset: -2 },
      ],
    });
    expect(ok.map((r) => r.errorCode)).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
    expect(gc.fetchOffsets('g', [{ topic: 't', partitions: [0, 1, 2] }])).toEqual([
      { topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: '' },
      { topic: 't', partition: 1, offset: -2, leaderEpoch: -1, metadata: '' },
      { topic: 't', partition: 2, offset: -1, leaderEpoch: -1, metadata: '' },
    ]);
    expect(gc.fetchOffsets('g', null)).toHaveLength(2);
    gc.join(joinReq({ clientId: 'b' })).catch(() => {});
    await gc.join(joinReq({ memberId: a.memberId }));
    expect(gc.describe(['g'])[0]!.state).toBe('CompletingRebalance');
    expect((await commit({ generationId: 2, memberId: a.memberId }))[0]!.errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
  });

  it('keeps committed offsets across a reopen and ignores a torn tail', async () => {
    await gc.commitOffsets({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: [{ topic: 't', partition: 0, offset: 42, leaderEpoch: 3, metadata: 'm' }],
    });
    await gc.commitOffsets({
      groupId: 'h',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: [{ topic: 'u', partition: 1, offset: 7, leaderEpoch: -1, metadata: null }],
    });
    await gc.close();
    await appendFile(join(dir, 'offsets.log'), '{"g":"g","t":"t","p":0,"o":99');
    gc = await GroupCoordinator.open({ dataDir: dir, logger: silentLogger, scheduler: clock });
    expect(gc.fetchOffsets('g', [{ topic: 't', partitions: [0] }])[0]).toMatchObject({
      offset: 42,
      leaderEpoch: 3,
      metadata: 'm',
    });
    expect(
      gc
        .list()
        .map((g) => g.groupId)
        .sort(),
    ).toEqual(['g', 'h']);
    await gc.deleteTopicOffsets('u');
    await gc.close();
    gc = await GroupCoordinator.open({ dataDir: dir, logger: silentLogger, scheduler: clock });
    expect(gc.fetchOffsets('h', null)).toEqual([]);
  });

  it('holds the first join of a new group for the initial rebalance delay', async () => {
    const delayed = await GroupCoordinator.open({
      dataDir: join(dir, 'delayed'),
      logger: silentLogger,
      scheduler: clock,
      initialRebalanceDelayMs: 3000,
    });
    const a = delayed.join(joinReq());
    clock.advance(2000);
    const b = delayed.join(joinReq({ clientId: 'b' }));
    clock.advance(999);
    expect(await state(a)).toBe('pending');
    clock.advance(1);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toMatchObject({ errorCode: 0, generationId: 1 });
    expect(rb).toMatchObject({ errorCode: 0, generationId: 1, leader: ra.memberId });
    expect(ra.members).toHaveLength(2);
    await delayed.close();
  });

  it('describes unknown groups as Dead and deletes only empty groups', async () => {
    expect(gc.describe(['nope'])[0]).toEqual({
      groupId: 'nope',
      state: 'Dead',
      protocolType: '',
      protocolName: '',
      members: [],
    });
    const a = await stableOne();
    expect(gc.describe(['g'])[0]!.members[0]).toMatchObject({
      memberId: a.memberId,
      clientId: 'c',
      assignment: meta('A'),
      metadata: meta('m'),
    });
    expect(await gc.delete(['g', 'nope'])).toEqual([
      { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    gc.leave({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] });
    expect(await gc.delete(['g'])).toEqual([{ groupId: 'g', errorCode: 0 }]);
    expect(gc.list()).toEqual([]);
  });
});
