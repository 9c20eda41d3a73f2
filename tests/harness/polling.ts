/**
 * Polls `probe` until it returns a value (anything but undefined) and resolves with it; throws
 * after `timeoutMs` naming `what`. For waits that also produce what they waited for (the features
 * of an event, a worker's pid); `waitUntil` (kafka-io.ts) waits for a condition.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 120_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
