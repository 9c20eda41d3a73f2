/**
 * What backs a Stack: the embedded parts (embedded.ts) or containers (containers.ts). stack.ts
 * builds the one Stack suites see on top of either, so a suite's code is the same in both modes.
 */
export interface StackParts {
  infra: 'embedded' | 'containers';
  /** `host:port` of the broker. */
  brokers?: string;
  registryUrl?: string;
  redisUrl?: string;
  /** Set for a ClickHouse server; unset: chDB in the stack's data dir. */
  clickhouseUrl?: string;
  /** Stops Redis with its AOF flushed; `restartRedis` brings it back on the same address and data. */
  stopRedis(): Promise<void>;
  restartRedis(): Promise<void>;
  /** Stops the schema registry; `restartRegistry` brings it back on the same address. */
  stopRegistry(): Promise<void>;
  restartRegistry(): Promise<void>;
  /** Stops the broker with its logs flushed; `restartBroker` brings it back on the same address and data. */
  stopBroker(): Promise<void>;
  restartBroker(): Promise<void>;
  /**
   * Makes a directory of the ClickHouse engine (a path as the engine sees it) unwritable, so
   * that writing there really fails; resolves to the function that makes it writable again.
   */
  makeClickHouseDirUnwritable(dir: string): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

export interface PartsWanted {
  kafka: boolean;
  registry: boolean;
  redis: boolean;
  clickhouse: boolean;
}
