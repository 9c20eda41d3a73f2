import type { ReplayManifest } from '../../../schemas/types.js';
import type { ProduceResult, ReplaySink } from '../../../replay/sink.js';

/** An in-memory sink: what a replay produced, per topic, and its manifests. */
export class MemorySink implements ReplaySink {
  readonly topics = new Map<string, object[]>();
  readonly manifestLog: ReplayManifest[] = [];
  /** Records the "broker" refuses, by a predicate, to test per-record failures. */
  refuse: ((record: object) => string | null) | null = null;

  readonly producer = {
    produce: async (topic: string, records: readonly object[]): Promise<ProduceResult> => {
      const failed: ProduceResult['failed'] = [];
      const list = this.topics.get(topic) ?? [];
      records.forEach((r, index) => {
        const refusal = this.refuse?.(r) ?? null;
        if (refusal) failed.push({ index, reason: refusal });
        else list.push(r);
      });
      this.topics.set(topic, list);
      return { sent: records.length - failed.length, failed };
    },
  };

  readonly manifests = {
    latest: async (key: string): Promise<ReplayManifest | null> =>
      [...this.manifestLog].reverse().find((m) => m.replay_key === key) ?? null,
    record: async (m: ReplayManifest): Promise<void> => {
      this.manifestLog.push(m);
    },
  };

  records<T>(topic: string): T[] {
    return (this.topics.get(topic) ?? []) as T[];
  }

  async close(): Promise<void> {}
}
