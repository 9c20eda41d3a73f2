import type { Redis } from 'ioredis';
import { createRedis } from '../../lib/redis.js';
import type { Logger } from '../../lib/logger.js';
import { TxConnection } from './state-io.js';

/**
 * Dedicated Redis connections for batches in flight (one per partition consumed concurrently:
 * WATCH belongs to a connection). They fail fast while Redis is down — no offline queue, no
 * per-command retries — so a batch backs off and reports instead of hanging.
 */
export class TxPool {
  private readonly idle: TxConnection[] = [];
  private readonly waiting: ((tx: TxConnection) => void)[] = [];
  readonly connections: Redis[] = [];

  constructor(url: string, size: number, logger: Logger) {
    for (let i = 0; i < size; i++) {
      const redis = createRedis(url, logger, {
        enableAutoPipelining: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectionName: 'recostream-processor-tx',
      });
      this.connections.push(redis);
      this.idle.push(new TxConnection(redis));
    }
  }

  acquire(): Promise<TxConnection> {
    const tx = this.idle.pop();
    if (tx) return Promise.resolve(tx);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(tx: TxConnection): void {
    const next = this.waiting.shift();
    if (next) next(tx);
    else this.idle.push(tx);
  }

  close(): void {
    for (const r of this.connections) r.disconnect();
  }
}
