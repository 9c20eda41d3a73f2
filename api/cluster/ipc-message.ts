/** Whether a cluster IPC message is one of ours of `type` (messages carry `{ type, ... }`). */
export function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
