import type { UpAddresses } from './stack.js';

/** The text `recostream up` prints for people (logs are separate, structured lines). */

export interface BannerInput {
  addresses: UpAddresses;
  embedded: { kafka: boolean; registry: boolean; redis: boolean; clickhouse: boolean };
  dataDir: string;
}

function where(embedded: boolean, address: string, note: string): string {
  return embedded ? `${address}  (${note})` : `${address}  (external)`;
}

export function addressesText(b: BannerInput): string {
  const ch = b.addresses.clickhouse.startsWith('chdb:')
    ? `chDB in ${b.addresses.clickhouse.slice('chdb:'.length)}  (embedded, this process)`
    : `${b.addresses.clickhouse}  (external)`;
  return [
    '',
    'recostream is up',
    `  API          ${b.addresses.api}  (OpenAPI: ${b.addresses.api}/docs)`,
    `  dashboard    ${b.addresses.api}/  (open it in a browser)`,
    `  Kafka        ${where(b.embedded.kafka, b.addresses.kafka, 'embedded broker')}`,
    `  registry     ${where(b.embedded.registry, b.addresses.registry, 'embedded')}`,
    `  Redis        ${where(b.embedded.redis, b.addresses.redis, 'spawned redis-server')}`,
    `  ClickHouse   ${ch}`,
    `  trainer      this process (models in ${b.dataDir}/models)`,
    `  DATA_DIR     ${b.dataDir}`,
    '',
  ].join('\n');
}

export interface TryThisInput {
  apiUrl: string;
  /** Sent as a bearer token in the examples when set (SQL needs it). */
  apiKey: string | undefined;
  apiReadKey: string | undefined;
  /** Example ids; placeholders when the pipeline holds no data yet. */
  userId: string | null;
  itemId: string | null;
  /** Variables `recostream sql` needs to find this process when they differ from the defaults. */
  sqlEnv: Record<string, string>;
}

function shellQuote(s: string): string {
  return /^[\w./:@=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** curl lines for features, recommendations and SQL, and the `recostream sql` command. */
export function tryThisText(t: TryThisInput): string {
  const user = t.userId ?? '<user_id>';
  const item = t.itemId ?? '<item_id>';
  const readAuth = t.apiReadKey ? ` -H 'authorization: Bearer ${t.apiReadKey}'` : '';
  const writeAuth = t.apiKey ? ` -H 'authorization: Bearer ${t.apiKey}'` : '';
  const env = Object.entries(t.sqlEnv)
    .map(([k, v]) => `${k}=${shellQuote(v)} `)
    .join('');
  const sqlBody = JSON.stringify({
    query:
      'SELECT event_type, count() AS events, uniqExact(user_id) AS users FROM interactions FINAL GROUP BY event_type ORDER BY events DESC',
  });
  return [
    'Try:',
    `  curl -s ${t.apiUrl}/v1/features/users/${encodeURIComponent(user)}${readAuth}`,
    `  curl -s ${t.apiUrl}/v1/features/items/${encodeURIComponent(item)}${readAuth}`,
    `  curl -s '${t.apiUrl}/v1/users/${encodeURIComponent(user)}/recommendations?k=5'${readAuth}`,
    `  curl -s ${t.apiUrl}/v1/sql -H 'content-type: application/json'${writeAuth} -d '${sqlBody}'`,
    `  ${env}npx recostream sql "SELECT toDate(event_time) AS day, uniqExact(user_id) AS dau FROM interactions FINAL GROUP BY day ORDER BY day DESC LIMIT 7"`,
    `  curl -s -X POST ${t.apiUrl}/v1/training/runs -H 'content-type: application/json'${writeAuth} -d '{"model":"als"}'`,
    `  curl -s ${t.apiUrl}/ready        # dependencies, component health, processor lag`,
    '  More queries: docs/SQL.md. Ctrl-C stops everything in order; starting again resumes from DATA_DIR.',
    '',
  ].join('\n');
}
