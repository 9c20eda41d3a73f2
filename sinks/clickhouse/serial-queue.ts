/**
 * Runs async tasks one at a time, in submission order. The sink's batch handler, its linger
 * timer, its retry timer and its shutdown all touch the same pending batch and the same consumer;
 * running them through one queue keeps them from interleaving at an await.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
