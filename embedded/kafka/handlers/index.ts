import { apiVersions } from './api-versions.js';
import { alterConfigs, describeConfigs } from './configs.js';
import { fetch } from './fetch.js';
import {
  deleteGroups,
  describeGroups,
  findCoordinator,
  heartbeat,
  joinGroup,
  leaveGroup,
  listGroups,
  syncGroup,
} from './groups.js';
import type { Handler } from './handler.js';
import { listOffsets } from './list-offsets.js';
import { metadata } from './metadata.js';
import { offsetCommit, offsetFetch } from './offsets.js';
import { produce } from './produce.js';
import { initProducerId } from './producers.js';
import { saslAuthenticate, saslHandshake } from './sasl.js';
import { createPartitions, createTopics, deleteRecords, deleteTopics } from './topics.js';

export type { BrokerNode, BrokerState, RequestContext } from './broker-state.js';
export type { Handler } from './handler.js';

/** Every handler by API key: exactly the advertised APIs. */
export const HANDLERS: ReadonlyMap<number, Handler> = new Map(
  [
    produce,
    fetch,
    listOffsets,
    metadata,
    offsetCommit,
    offsetFetch,
    findCoordinator,
    joinGroup,
    heartbeat,
    leaveGroup,
    syncGroup,
    describeGroups,
    listGroups,
    saslHandshake,
    apiVersions,
    createTopics,
    deleteTopics,
    deleteRecords,
    initProducerId,
    describeConfigs,
    alterConfigs,
    saslAuthenticate,
    createPartitions,
    deleteGroups,
  ].map((h) => [h.key, h]),
);
