import type { GroupProtocol, JoinResponse, SyncResponse } from './types.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Member {
  readonly memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  assignment: Buffer;
  /** Resolver of a parked JoinGroup, while the member waits for the join to complete. */
  awaitingJoin: ((res: JoinResponse) => void) | null;
  /** Resolver of a parked SyncGroup, while the member waits for the leader's assignment. */
  awaitingSync: ((res: SyncResponse) => void) | null;
  cancelSessionTimer: () => void;
}

/** One consumer group's membership state (offsets live in the OffsetStore). */
export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** KIP-394: member ids handed out with error 79, expected to rejoin with them. */
  readonly pendingMembers = new Map<string, () => void>();
  cancelJoinTimer: () => void = () => {};
  /** True while a new group's initial rebalance delay holds the join open. */
  joinHeld: () => boolean = () => false;

  constructor(readonly groupId: string) {}

  /** Protocol names every member supports (all names of the request when the group is empty). */
  supportsProtocols(protocolType: string, protocols: GroupProtocol[]): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const common = this.commonProtocols();
    return protocols.some((p) => common.has(p.name));
  }

  private commonProtocols(): Set<string> {
    let common: Set<string> | null = null;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      common = common === null ? names : new Set([...common].filter((n: string) => names.has(n)));
    }
    return common ?? new Set();
  }

  /**
   * The protocol supported by every member with the most first-preference votes (each member
   * votes for the first of its own protocols that all support); ties go to the leader's order.
   */
  selectProtocol(): string {
    const common = this.commonProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => common.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    const leader = (this.leaderId && this.members.get(this.leaderId)) || this.members.values().next().value;
    const order = leader ? leader.protocols.map((p) => p.name) : [...common];
    let best = '';
    let bestVotes = -1;
    for (const name of order) {
      const n = votes.get(name) ?? 0;
      if (common.has(name) && n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  metadataFor(member: Member, protocolName: string): Buffer {
    return member.protocols.find((p) => p.name === protocolName)?.metadata ?? Buffer.alloc(0);
  }

  /** True when the member's protocols are byte for byte what it sent before. */
  static sameProtocols(a: GroupProtocol[], b: GroupProtocol[]): boolean {
    return (
      a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata))
    );
  }

  allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (m.awaitingJoin === null) return false;
    return true;
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  memberByInstanceId(groupInstanceId: string): Member | undefined {
    for (const m of this.members.values()) if (m.groupInstanceId === groupInstanceId) return m;
    return undefined;
  }
}
