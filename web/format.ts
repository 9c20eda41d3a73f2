/** Display formatting shared by the panels (pure: unit-tested without a browser). */

export function formatNumber(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** Epoch ms as an ISO-like UTC time, to the second. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

/** A duration in seconds, in the largest unit that keeps it readable (42 s, 3.5 min, 2.1 h, 12 d). */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const sign = seconds < 0 ? '-' : '';
  const s = Math.abs(seconds);
  if (s < 90) return `${sign}${Math.round(s)} s`;
  if (s < 90 * 60) return `${sign}${(s / 60).toFixed(1)} min`;
  if (s < 48 * 3600) return `${sign}${(s / 3600).toFixed(1)} h`;
  return `${sign}${(s / 86400).toFixed(1)} d`;
}

/** Names of feature fields holding epoch ms (shown as times in the feature record). */
const TIME_FIELDS = new Set(['as_of', 'updated_at', 'first_event_time', 'last_event_time']);

/** One feature value as text: times as UTC, lists joined, numbers rounded. */
export function formatFeature(name: string, value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return TIME_FIELDS.has(name) ? formatTime(value) : formatNumber(value, 4);
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
