import { ApiKey } from '../protocol/api-keys.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from '../protocol/describe-groups/response.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { leavingMembers } from '../protocol/leave-group/request.js';
import { defineHandler } from './handler.js';

/** FindCoordinator v0–2: this node coordinates every group; transactions are not supported. */
export const findCoordinator = defineHandler(ApiKey.FindCoordinator, (req, _ctx, broker) => {
  if (req.keyType !== 0) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      errorMessage: 'transactions are not supported',
      nodeId: -1,
      host: '',
      port: -1,
    };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: broker.node.nodeId,
    host: broker.node.host,
    port: broker.node.port,
  };
});

/** JoinGroup v0–5 (parks until the join completes). KIP-394's 79 only for v4+. */
export const joinGroup = defineHandler(ApiKey.JoinGroup, async (req, ctx, broker) => {
  const res = await broker.coordinator.join({
    groupId: req.groupId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId,
    clientId: ctx.clientId,
    clientHost: ctx.clientHost,
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: ctx.apiVersion === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
    requireKnownMemberId: ctx.apiVersion >= 4,
  });
  return { throttleTimeMs: 0, ...res };
});

/** SyncGroup v0–3 (followers park until the leader's assignment arrives). */
export const syncGroup = defineHandler(ApiKey.SyncGroup, async (req, _ctx, broker) => {
  const res = await broker.coordinator.sync(req);
  return { throttleTimeMs: 0, ...res };
});

export const heartbeat = defineHandler(ApiKey.Heartbeat, (req, _ctx, broker) => ({
  throttleTimeMs: 0,
  errorCode: broker.coordinator.heartbeat(req),
}));

/** LeaveGroup v0–3: one member up to v2, a batch with per-member errors from v3. */
export const leaveGroup = defineHandler(ApiKey.LeaveGroup, (req, ctx, broker) => {
  const res = broker.coordinator.leave({
    groupId: req.groupId,
    members: leavingMembers(req, ctx.apiVersion),
  });
  return {
    throttleTimeMs: 0,
    errorCode: ctx.apiVersion >= 3 ? ErrorCode.NONE : res.errorCode,
    members: res.members,
  };
});

export const describeGroups = defineHandler(ApiKey.DescribeGroups, (req, _ctx, broker) => ({
  throttleTimeMs: 0,
  groups: broker.coordinator.describe(req.groups).map((g) => ({
    errorCode: ErrorCode.NONE,
    groupId: g.groupId,
    groupState: g.state,
    protocolType: g.protocolType,
    protocolData: g.protocolName,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: m.metadata,
      memberAssignment: m.assignment,
    })),
    authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  })),
}));

export const listGroups = defineHandler(ApiKey.ListGroups, (_req, _ctx, broker) => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  groups: broker.coordinator.list(),
}));

export const deleteGroups = defineHandler(ApiKey.DeleteGroups, async (req, _ctx, broker) => ({
  throttleTimeMs: 0,
  results: await broker.coordinator.delete(req.groupsNames),
}));
