/** Kafka's topic name rule: 1–249 of [a-zA-Z0-9._-], and not "." or "..". */
export function isValidTopicName(name: string): boolean {
  return (
    name.length > 0 && name.length <= 249 && /^[a-zA-Z0-9._-]+$/.test(name) && name !== '.' && name !== '..'
  );
}
