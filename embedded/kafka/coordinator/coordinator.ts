import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../lib/logger.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Group, type Member } from './group.js';
import { OffsetStore } from './offset-store.js';
import { realScheduler, type Scheduler } from './scheduler.js';
import type {
  CommitRequest,
  CommitResult,
  FetchedOffset,
  GroupDescription,
  HeartbeatRequest,
  JoinRequest,
  JoinResponse,
  LeaveRequest,
  LeaveResponse,
  SyncRequest,
  SyncResponse,
} from './types.js';

export interface GroupCoordinatorOptions {
  /** Directory of the coordinator's own files (the offsets log). */
  dataDir: string;
  logger: Logger;
  scheduler?: Scheduler;
  /** fdatasync every offset commit before acknowledging it (default true). */
  fsync?: boolean;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  /** group.initial.rebalance.delay.ms: how long the first join of an empty group waits for more members. */
  initialRebalanceDelayMs?: number;
  /** offset.metadata.max.bytes */
  maxMetadataBytes?: number;
}

const NO_ASSIGNMENT = Buffer.alloc(0);

function joinError(errorCode: number, memberId = ''): JoinResponse {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

/**
 * The group coordinator of a single-node cluster (KAFKA-PROTOCOL.md §4), following Apache
 * Kafka's GroupCoordinator: the Empty -> PreparingRebalance -> CompletingRebalance -> Stable
 * state machine, parked JoinGroup/SyncGroup requests, member expiry by session timeout (never
 * by TCP connection: clients use several sockets and reconnect), and committed offsets kept in
 * a durable OffsetStore.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly scheduler: Scheduler;
  private readonly minSessionTimeoutMs: number;
  private readonly maxSessionTimeoutMs: number;
  private readonly initialRebalanceDelayMs: number;
  private readonly maxMetadataBytes: number;

  private constructor(
    private readonly offsets: OffsetStore,
    private readonly logger: Logger,
    opts: GroupCoordinatorOptions,
  ) {
    this.scheduler = opts.scheduler ?? realScheduler;
    this.minSessionTimeoutMs = opts.minSessionTimeoutMs ?? 6000;
    this.maxSessionTimeoutMs = opts.maxSessionTimeoutMs ?? 1_800_000;
    this.initialRebalanceDelayMs = opts.initialRebalanceDelayMs ?? 0;
    this.maxMetadataBytes = opts.maxMetadataBytes ?? 4096;
    // Groups known only by their committed offsets start Empty, as after a Kafka restart.
    for (const id of offsets.groupIds()) this.groups.set(id, new Group(id));
  }

  static async open(opts: GroupCoordinatorOptions): Promise<GroupCoordinator> {
    const logger = opts.logger.child({ layer: 'coordinator' });
    const offsets = await OffsetStore.open({ dir: opts.dataDir, fsync: opts.fsync ?? true, logger });
    return new GroupCoordinator(offsets, logger, opts);
  }

  // ---------------------------------------------------------------- JoinGroup

  join(req: JoinRequest): Promise<JoinResponse> {
    if (req.groupId === '') return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    if (req.sessionTimeoutMs < this.minSessionTimeoutMs || req.sessionTimeoutMs > this.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (req.memberId !== '') return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      group = new Group(req.groupId);
      this.groups.set(req.groupId, group);
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    return req.memberId === '' || !group.members.has(req.memberId)
      ? this.joinUnknownMember(group, req)
      : this.joinKnownMember(group, group.members.get(req.memberId)!, req);
  }

  private joinUnknownMember(group: Group, req: JoinRequest): Promise<JoinResponse> {
    if (req.memberId !== '') {
      const cancel = group.pendingMembers.get(req.memberId);
      if (!cancel) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      cancel();
      group.pendingMembers.delete(req.memberId);
      return this.addMemberAndRebalance(group, req.memberId, req);
    }
    if (req.groupInstanceId !== null) {
      // A static member restarting: it replaces its previous incarnation.
      const previous = group.memberByInstanceId(req.groupInstanceId);
      if (previous) this.removeMember(group, previous, 'replaced by a new instance');
    }
    const memberId = `${req.clientId}-${randomUUID()}`;
    if (req.requireKnownMemberId && req.groupInstanceId === null) {
      // KIP-394: hand out the id, expect the client to rejoin with it within a session timeout.
      group.pendingMembers.set(
        memberId,
        this.scheduler.schedule(req.sessionTimeoutMs, () => {
          group.pendingMembers.delete(memberId);
          this.tryCompleteJoin(group);
        }),
      );
      return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    return this.addMemberAndRebalance(group, memberId, req);
  }

  private addMemberAndRebalance(group: Group, memberId: string, req: JoinRequest): Promise<JoinResponse> {
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: NO_ASSIGNMENT,
      awaitingJoin: null,
      awaitingSync: null,
      cancelSessionTimer: () => {},
    };
    if (group.members.size === 0) group.protocolType = req.protocolType;
    group.members.set(memberId, member);
    this.logger.info({ group: group.groupId, memberId, clientId: req.clientId }, 'member joined');
    const parked = this.parkJoin(member);
    this.scheduleSessionExpiry(group, member);
    if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
    else this.prepareRebalance(group, `member ${memberId} joined`);
    return parked;
  }

  private joinKnownMember(group: Group, member: Member, req: JoinRequest): Promise<JoinResponse> {
    const sameProtocols = Group.sameProtocols(member.protocols, req.protocols);
    switch (group.state) {
      case 'PreparingRebalance': {
        this.updateMember(member, req);
        const parked = this.parkJoin(member);
        this.tryCompleteJoin(group);
        return parked;
      }
      case 'CompletingRebalance':
        if (sameProtocols)
          return Promise.resolve(this.currentGeneration(group, member, member.memberId === group.leaderId));
        break;
      case 'Stable':
        // A follower rejoining unchanged just gets the current generation back; a leader
        // rejoining (it may want to reassign) or changed metadata starts a new rebalance.
        if (sameProtocols && member.memberId !== group.leaderId)
          return Promise.resolve(this.currentGeneration(group, member, false));
        break;
      default:
        return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    }
    this.updateMember(member, req);
    const parked = this.parkJoin(member);
    this.prepareRebalance(group, `member ${member.memberId} rejoined`);
    return parked;
  }

  private updateMember(member: Member, req: JoinRequest): void {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
  }

  private parkJoin(member: Member): Promise<JoinResponse> {
    // A second join from the same member (a client that timed out and retried) supersedes the first.
    member.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    return new Promise((resolve) => {
      member.awaitingJoin = resolve;
    });
  }

  private currentGeneration(group: Group, member: Member, withMembers: boolean): JoinResponse {
    this.scheduleSessionExpiry(group, member);
    const protocolName = group.protocolName ?? '';
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: withMembers ? this.memberList(group, protocolName) : [],
    };
  }

  private memberList(group: Group, protocolName: string): JoinResponse['members'] {
    return [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: group.metadataFor(m, protocolName),
    }));
  }

  private prepareRebalance(group: Group, reason: string): void {
    if (group.state === 'CompletingRebalance') {
      // Members parked in SyncGroup learn that this generation is over.
      for (const m of group.members.values()) {
        m.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: NO_ASSIGNMENT });
        m.awaitingSync = null;
      }
    }
    for (const m of group.members.values()) m.assignment = NO_ASSIGNMENT;
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.logger.info({ group: group.groupId, generation: group.generationId, reason }, 'preparing rebalance');
    group.cancelJoinTimer();
    const rebalanceTimeout = group.maxRebalanceTimeoutMs();
    const delay = wasEmpty ? Math.min(this.initialRebalanceDelayMs, rebalanceTimeout) : 0;
    group.cancelJoinTimer = this.scheduler.schedule(rebalanceTimeout, () => this.completeJoin(group));
    if (delay > 0) {
      // New group: hold the first join a little so that members starting together share it.
      const cancelRebalanceTimer = group.cancelJoinTimer;
      let released = false;
      const cancelDelay = this.scheduler.schedule(delay, () => {
        released = true;
        this.tryCompleteJoin(group);
      });
      group.cancelJoinTimer = () => {
        cancelRebalanceTimer();
        cancelDelay();
      };
      group.joinHeld = () => !released;
    } else {
      group.joinHeld = () => false;
    }
    this.tryCompleteJoin(group);
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state === 'PreparingRebalance' && !group.joinHeld() && group.allMembersJoined())
      this.completeJoin(group);
  }

  /** Ends the join phase: drops members that did not rejoin, starts the next generation. */
  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    group.cancelJoinTimer();
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null) this.removeMember(group, m, 'did not rejoin in time', false);
    }
    group.generationId += 1;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leaderId = null;
      this.logger.info({ group: group.groupId, generation: group.generationId }, 'group is empty');
      return;
    }
    if (group.leaderId === null || !group.members.has(group.leaderId))
      group.leaderId = group.members.keys().next().value!;
    group.protocolName = group.selectProtocol();
    group.state = 'CompletingRebalance';
    this.logger.info(
      {
        group: group.groupId,
        generation: group.generationId,
        members: group.members.size,
        protocol: group.protocolName,
      },
      'rebalance: join complete',
    );
    for (const m of group.members.values()) {
      const resolve = m.awaitingJoin!;
      m.awaitingJoin = null;
      resolve(this.currentGeneration(group, m, m.memberId === group.leaderId));
    }
  }

  // ---------------------------------------------------------------- SyncGroup

  sync(req: SyncRequest): Promise<SyncResponse> {
    const group = this.groups.get(req.groupId);
    const member = group?.members.get(req.memberId);
    if (!group || !member)
      return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: NO_ASSIGNMENT });
    if (req.generationId !== group.generationId)
      return Promise.resolve({ errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: NO_ASSIGNMENT });
    switch (group.state) {
      case 'PreparingRebalance':
        return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: NO_ASSIGNMENT });
      case 'Stable':
        this.scheduleSessionExpiry(group, member);
        return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
      case 'CompletingRebalance': {
        this.scheduleSessionExpiry(group, member);
        const parked = new Promise<SyncResponse>((resolve) => {
          member.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: NO_ASSIGNMENT });
          member.awaitingSync = resolve;
        });
        if (member.memberId === group.leaderId) this.applyAssignments(group, req.assignments);
        return parked;
      }
      default:
        return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: NO_ASSIGNMENT });
    }
  }

  private applyAssignments(group: Group, assignments: SyncRequest['assignments']): void {
    const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    group.state = 'Stable';
    this.logger.info({ group: group.groupId, generation: group.generationId }, 'rebalance: group is stable');
    for (const m of group.members.values()) {
      m.assignment = byMember.get(m.memberId) ?? NO_ASSIGNMENT;
      m.awaitingSync?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
      m.awaitingSync = null;
    }
  }

  // ---------------------------------------------------------------- Heartbeat, LeaveGroup

  heartbeat(req: HeartbeatRequest): number {
    const group = this.groups.get(req.groupId);
    const member = group?.members.get(req.memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'PreparingRebalance':
        this.scheduleSessionExpiry(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.scheduleSessionExpiry(group, member);
        return ErrorCode.NONE;
      default:
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  leave(req: LeaveRequest): LeaveResponse {
    const group = this.groups.get(req.groupId);
    const members = req.members.map((lm) => {
      const member =
        lm.groupInstanceId !== null
          ? group?.memberByInstanceId(lm.groupInstanceId)
          : group?.members.get(lm.memberId);
      if (!group || !member || (lm.memberId !== '' && member.memberId !== lm.memberId)) {
        return { ...lm, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      }
      this.removeMember(group, member, 'left the group');
      return { ...lm, errorCode: ErrorCode.NONE };
    });
    // v0–2 carry a single member: its error is the response's error.
    const errorCode = members.length === 1 ? members[0]!.errorCode : ErrorCode.NONE;
    return { errorCode, members };
  }

  // ---------------------------------------------------------------- membership bookkeeping

  private scheduleSessionExpiry(group: Group, member: Member): void {
    member.cancelSessionTimer();
    member.cancelSessionTimer = this.scheduler.schedule(member.sessionTimeoutMs, () => {
      if (group.members.get(member.memberId) !== member) return;
      // A member parked in JoinGroup or SyncGroup is alive by definition.
      if (member.awaitingJoin !== null || member.awaitingSync !== null)
        this.scheduleSessionExpiry(group, member);
      else this.removeMember(group, member, 'session timed out');
    });
  }

  private removeMember(group: Group, member: Member, reason: string, rebalance = true): void {
    member.cancelSessionTimer();
    member.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: NO_ASSIGNMENT });
    group.members.delete(member.memberId);
    if (group.leaderId === member.memberId) group.leaderId = null;
    this.logger.info({ group: group.groupId, memberId: member.memberId, reason }, 'member removed');
    if (!rebalance) return;
    if (group.state === 'Stable' || group.state === 'CompletingRebalance')
      this.prepareRebalance(group, reason);
    else if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
  }

  // ---------------------------------------------------------------- offsets

  /**
   * OffsetCommit, validated as Kafka's validateOffsetCommit: without a generation the admin path
   * (group Empty or unknown) is accepted; otherwise the member and generation must match.
   * Unknown topics are the handler's business (it knows the log).
   */
  async commitOffsets(req: CommitRequest): Promise<CommitResult[]> {
    const all = (errorCode: number): CommitResult[] =>
      req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }));
    let group = this.groups.get(req.groupId);
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    let member: Member | undefined;
    if (!group) {
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = new Group(req.groupId);
      this.groups.set(req.groupId, group);
    } else if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      member = group.members.get(req.memberId);
      if (!member) return all(ErrorCode.UNKNOWN_MEMBER_ID);
      if (req.generationId !== group.generationId) return all(ErrorCode.ILLEGAL_GENERATION);
      if (group.state === 'CompletingRebalance') return all(ErrorCode.REBALANCE_IN_PROGRESS);
    } else if (group.state !== 'Empty') {
      return all(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    if (member) this.scheduleSessionExpiry(group, member);
    const results: CommitResult[] = [];
    const accepted: {
      topic: string;
      partition: number;
      offset: number;
      leaderEpoch: number;
      metadata: string;
    }[] = [];
    for (const o of req.offsets) {
      const metadata = o.metadata ?? '';
      if (Buffer.byteLength(metadata, 'utf8') > this.maxMetadataBytes) {
        results.push({
          topic: o.topic,
          partition: o.partition,
          errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE,
        });
        continue;
      }
      accepted.push({
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        leaderEpoch: o.leaderEpoch,
        metadata,
      });
      results.push({ topic: o.topic, partition: o.partition, errorCode: ErrorCode.NONE });
    }
    if (accepted.length > 0) await this.offsets.commit(req.groupId, accepted, this.scheduler.now());
    return results;
  }

  /** Committed offsets; `topics` null = all of the group's. No commit = offset -1, metadata "". */
  fetchOffsets(groupId: string, topics: { topic: string; partitions: number[] }[] | null): FetchedOffset[] {
    if (topics === null) {
      return this.offsets.all(groupId).map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        leaderEpoch: o.leaderEpoch,
        metadata: o.metadata,
      }));
    }
    return topics.flatMap(({ topic, partitions }) =>
      partitions.map((partition) => {
        const c = this.offsets.get(groupId, topic, partition);
        return {
          topic,
          partition,
          offset: c?.offset ?? -1,
          leaderEpoch: c?.leaderEpoch ?? -1,
          metadata: c?.metadata ?? '',
        };
      }),
    );
  }

  deleteTopicOffsets(topic: string): Promise<void> {
    return this.offsets.deleteTopic(topic);
  }

  // ---------------------------------------------------------------- admin

  describe(groupIds: string[]): GroupDescription[] {
    return groupIds.map((groupId) => {
      const group = this.groups.get(groupId);
      if (!group) return { groupId, state: 'Dead', protocolType: '', protocolName: '', members: [] };
      const stable = group.state === 'Stable';
      const protocolName = stable ? (group.protocolName ?? '') : '';
      return {
        groupId,
        state: group.state,
        protocolType: group.protocolType ?? '',
        protocolName,
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          metadata: stable ? group.metadataFor(m, protocolName) : NO_ASSIGNMENT,
          assignment: stable ? m.assignment : NO_ASSIGNMENT,
        })),
      };
    });
  }

  list(): { groupId: string; protocolType: string }[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '' }));
  }

  /** DeleteGroups: only Empty groups (or groups known by offsets alone) can go. */
  async delete(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const results: { groupId: string; errorCode: number }[] = [];
    for (const groupId of groupIds) {
      const group = this.groups.get(groupId);
      if (!group) results.push({ groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND });
      else if (group.state !== 'Empty') results.push({ groupId, errorCode: ErrorCode.NON_EMPTY_GROUP });
      else {
        this.groups.delete(groupId);
        group.cancelJoinTimer();
        for (const cancel of group.pendingMembers.values()) cancel();
        await this.offsets.deleteGroup(groupId);
        results.push({ groupId, errorCode: ErrorCode.NONE });
      }
    }
    return results;
  }

  async close(): Promise<void> {
    for (const group of this.groups.values()) {
      group.cancelJoinTimer();
      for (const cancel of group.pendingMembers.values()) cancel();
      for (const m of group.members.values()) {
        m.cancelSessionTimer();
        m.awaitingJoin?.(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, m.memberId));
        m.awaitingSync?.({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, assignment: NO_ASSIGNMENT });
      }
    }
    await this.offsets.close();
  }
}
