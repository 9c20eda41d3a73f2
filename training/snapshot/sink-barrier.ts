import type { Admin } from 'kafkajs';
import { TOPIC } from '../../topology/topics.js';
import type { EndOffsets } from './offsets.js';

/**
 * Labels come from ClickHouse, which the ClickHouse sink fills from `interactions`. A run's label
 * query is bounded by the snapshot's end offsets of `interactions`; it is complete only once the
 * sink has stored everything below them, i.e. once the sink's consumer group has committed at
 * least those offsets (it commits only after inserting). This waits for that.
 */

export interface SinkBarrierOptions {
  admin: Admin;
  /** The ClickHouse sink's consumer group. */
  groupId: string;
  ends: EndOffsets;
  timeoutMs: number;
  /** Polling interval (default 250 ms). */
  intervalMs?: number;
  /** Called with the records still missing, at most once per poll. */
  onWait?: (behind: number) => void;
}

/** Records of `interactions` below the snapshot's ends that the sink has not committed yet. */
export async function sinkBehind(admin: Admin, groupId: string, ends: EndOffsets): Promise<number> {
  const wanted = ends.get(TOPIC.interactions);
  if (!wanted || wanted.size === 0) return 0;
  const [committed] = await admin.fetchOffsets({ groupId, topics: [TOPIC.interactions] });
  let behind = 0;
  for (const [partition, end] of wanted) {
    const c = committed?.partitions.find((p) => p.partition === partition);
    const at = c && Number(c.offset) >= 0 ? Number(c.offset) : 0;
    if (at < end) behind += end - at;
  }
  return behind;
}

export class SinkBarrierTimeout extends Error {
  constructor(
    readonly behind: number,
    readonly timeoutMs: number,
  ) {
    super(
      `the ClickHouse sink has not stored ${behind} interaction(s) of the snapshot after ${Math.round(timeoutMs / 1000)} s ` +
        '(is `recostream sink clickhouse` running? `recostream topology describe` shows its lag)',
    );
    this.name = 'SinkBarrierTimeout';
  }
}

export async function waitForSink(opts: SinkBarrierOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const behind = await sinkBehind(opts.admin, opts.groupId, opts.ends);
    if (behind === 0) return;
    if (Date.now() >= deadline) throw new SinkBarrierTimeout(behind, opts.timeoutMs);
    opts.onWait?.(behind);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
