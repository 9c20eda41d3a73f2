/**
 * Process health as data: each long-running part (a processor, the ClickHouse sink, ...) reports
 * whether it can make progress and why not. The API exposes `health.status()`; a component that
 * is waiting for a dependency (Redis down, broker unreachable) is unhealthy until it recovers.
 */

export interface ComponentStatus {
  name: string;
  healthy: boolean;
  /** Why it is unhealthy (the last error), or a short note. */
  reason: string | null;
  /** Wall time of the last change between healthy and unhealthy. */
  since: number;
  details: Record<string, unknown>;
}

export interface HealthStatus {
  healthy: boolean;
  components: ComponentStatus[];
}

export class HealthRegistry {
  private readonly components = new Map<string, ComponentStatus>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Reports a component's state; `since` moves only when healthy/unhealthy flips. */
  report(
    name: string,
    healthy: boolean,
    reason: string | null = null,
    details: Record<string, unknown> = {},
  ): void {
    const previous = this.components.get(name);
    const since = previous && previous.healthy === healthy ? previous.since : this.now();
    this.components.set(name, {
      name,
      healthy,
      reason,
      since,
      details: { ...previous?.details, ...details },
    });
  }

  remove(name: string): void {
    this.components.delete(name);
  }

  get(name: string): ComponentStatus | undefined {
    return this.components.get(name);
  }

  status(): HealthStatus {
    const components = [...this.components.values()].sort((a, b) => a.name.localeCompare(b.name));
    return { healthy: components.every((c) => c.healthy), components };
  }
}

/** The process-wide registry (the API serves it). */
export const health = new HealthRegistry();
