import type { Admin, Kafka } from 'kafkajs';

/**
 * The sum of a topic's partition end offsets (high watermarks): how many records were ever
 * appended to it. One admin connection, opened on first use and reopened after a failure.
 */
export class EndOffsets {
  private admin: Admin | null = null;
  private connected: Promise<void> | null = null;

  constructor(private readonly kafka: Kafka) {}

  async total(topic: string): Promise<number> {
    try {
      this.admin ??= this.kafka.admin({ retry: { retries: 0 } });
      this.connected ??= this.admin.connect();
      await this.connected;
      const offsets = await this.admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, o) => sum + Number(o.high), 0);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    this.connected = null;
    if (admin) await admin.disconnect().catch(() => undefined);
  }
}
