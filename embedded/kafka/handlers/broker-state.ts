import type { Logger } from '../../../lib/logger.js';
import type { GroupCoordinator } from '../coordinator/index.js';
import type { LogManager } from '../log/index.js';

/** The one broker node of this cluster, as advertised in Metadata and FindCoordinator. */
export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
}

/** Everything a handler may touch. */
export interface BrokerState {
  readonly logs: LogManager;
  readonly coordinator: GroupCoordinator;
  readonly node: BrokerNode;
  readonly clusterId: string;
  readonly autoCreateTopics: boolean;
  /** num.partitions: partitions of auto-created topics and of CreateTopics with -1. */
  readonly defaultPartitions: number;
  readonly logger: Logger;
  readonly now: () => number;
  /** Calls `listener` when the broker shuts down (parked long polls stop waiting); returns an unsubscribe. */
  onClose(listener: () => void): () => void;
}

/** Per-request facts handlers need besides the body. */
export interface RequestContext {
  apiVersion: number;
  correlationId: number;
  clientId: string;
  /** Peer address as Kafka reports it ("/127.0.0.1"). */
  clientHost: string;
}
