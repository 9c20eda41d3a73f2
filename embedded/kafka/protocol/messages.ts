import { ApiKey } from './api-keys.js';
import { alterConfigsRequest } from './alter-configs/request.js';
import { alterConfigsResponse } from './alter-configs/response.js';
import { apiVersionsRequest } from './api-versions/request.js';
import { apiVersionsResponse } from './api-versions/response.js';
import { createPartitionsRequest } from './create-partitions/request.js';
import { createPartitionsResponse } from './create-partitions/response.js';
import { createTopicsRequest } from './create-topics/request.js';
import { createTopicsResponse } from './create-topics/response.js';
import { deleteGroupsRequest } from './delete-groups/request.js';
import { deleteGroupsResponse } from './delete-groups/response.js';
import { deleteRecordsRequest } from './delete-records/request.js';
import { deleteRecordsResponse } from './delete-records/response.js';
import { deleteTopicsRequest } from './delete-topics/request.js';
import { deleteTopicsResponse } from './delete-topics/response.js';
import { describeConfigsRequest } from './describe-configs/request.js';
import { describeConfigsResponse } from './describe-configs/response.js';
import { describeGroupsRequest } from './describe-groups/request.js';
import { describeGroupsResponse } from './describe-groups/response.js';
import { fetchRequest } from './fetch/request.js';
import { fetchResponse } from './fetch/response.js';
import { findCoordinatorRequest } from './find-coordinator/request.js';
import { findCoordinatorResponse } from './find-coordinator/response.js';
import { heartbeatRequest } from './heartbeat/request.js';
import { heartbeatResponse } from './heartbeat/response.js';
import { initProducerIdRequest } from './init-producer-id/request.js';
import { initProducerIdResponse } from './init-producer-id/response.js';
import { joinGroupRequest } from './join-group/request.js';
import { joinGroupResponse } from './join-group/response.js';
import { leaveGroupRequest } from './leave-group/request.js';
import { leaveGroupResponse } from './leave-group/response.js';
import { listGroupsRequest } from './list-groups/request.js';
import { listGroupsResponse } from './list-groups/response.js';
import { listOffsetsRequest } from './list-offsets/request.js';
import { listOffsetsResponse } from './list-offsets/response.js';
import { metadataRequest } from './metadata/request.js';
import { metadataResponse } from './metadata/response.js';
import { offsetCommitRequest } from './offset-commit/request.js';
import { offsetCommitResponse } from './offset-commit/response.js';
import { offsetFetchRequest } from './offset-fetch/request.js';
import { offsetFetchResponse } from './offset-fetch/response.js';
import { produceRequest } from './produce/request.js';
import { produceResponse } from './produce/response.js';
import { saslAuthenticateRequest } from './sasl-authenticate/request.js';
import { saslAuthenticateResponse } from './sasl-authenticate/response.js';
import { saslHandshakeRequest } from './sasl-handshake/request.js';
import { saslHandshakeResponse } from './sasl-handshake/response.js';
import { syncGroupRequest } from './sync-group/request.js';
import { syncGroupResponse } from './sync-group/response.js';

/** Every API's request and response codec, by API key. */
export const MESSAGES = {
  [ApiKey.Produce]: { request: produceRequest, response: produceResponse },
  [ApiKey.Fetch]: { request: fetchRequest, response: fetchResponse },
  [ApiKey.ListOffsets]: { request: listOffsetsRequest, response: listOffsetsResponse },
  [ApiKey.Metadata]: { request: metadataRequest, response: metadataResponse },
  [ApiKey.OffsetCommit]: { request: offsetCommitRequest, response: offsetCommitResponse },
  [ApiKey.OffsetFetch]: { request: offsetFetchRequest, response: offsetFetchResponse },
  [ApiKey.FindCoordinator]: { request: findCoordinatorRequest, response: findCoordinatorResponse },
  [ApiKey.JoinGroup]: { request: joinGroupRequest, response: joinGroupResponse },
  [ApiKey.Heartbeat]: { request: heartbeatRequest, response: heartbeatResponse },
  [ApiKey.LeaveGroup]: { request: leaveGroupRequest, response: leaveGroupResponse },
  [ApiKey.SyncGroup]: { request: syncGroupRequest, response: syncGroupResponse },
  [ApiKey.DescribeGroups]: { request: describeGroupsRequest, response: describeGroupsResponse },
  [ApiKey.ListGroups]: { request: listGroupsRequest, response: listGroupsResponse },
  [ApiKey.SaslHandshake]: { request: saslHandshakeRequest, response: saslHandshakeResponse },
  [ApiKey.ApiVersions]: { request: apiVersionsRequest, response: apiVersionsResponse },
  [ApiKey.CreateTopics]: { request: createTopicsRequest, response: createTopicsResponse },
  [ApiKey.DeleteTopics]: { request: deleteTopicsRequest, response: deleteTopicsResponse },
  [ApiKey.DeleteRecords]: { request: deleteRecordsRequest, response: deleteRecordsResponse },
  [ApiKey.InitProducerId]: { request: initProducerIdRequest, response: initProducerIdResponse },
  [ApiKey.DescribeConfigs]: { request: describeConfigsRequest, response: describeConfigsResponse },
  [ApiKey.AlterConfigs]: { request: alterConfigsRequest, response: alterConfigsResponse },
  [ApiKey.SaslAuthenticate]: { request: saslAuthenticateRequest, response: saslAuthenticateResponse },
  [ApiKey.CreatePartitions]: { request: createPartitionsRequest, response: createPartitionsResponse },
  [ApiKey.DeleteGroups]: { request: deleteGroupsRequest, response: deleteGroupsResponse },
} as const;

export type Messages = typeof MESSAGES;
export type RequestOf<K extends ApiKey> = ReturnType<Messages[K]['request']['read']>;
export type ResponseOf<K extends ApiKey> = ReturnType<Messages[K]['response']['read']>;
