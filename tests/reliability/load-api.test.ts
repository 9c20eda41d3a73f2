import autocannon from 'autocannon';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../embedded/redis/launcher.js';
import { createFeatureReader } from '../../sinks/redis/reader.js';
import { makeDataset, rng } from '../harness/dataset.js';
import { createTopics, produceInteractions, produceItems, waitForCaughtUp } from '../harness/kafka-io.js';
import { spawnCli, type ChildHandle } from '../harness/processes.js';
import { startStack, type Stack } from '../harness/stack.js';
import { oracleInputsFromLog, redisDifferences } from '../integration/processors/oracle-check.js';
import { rssMiB } from './load-tools.js';
import { recordResult, round, secondsSince } from './results.js';

/**
 * `recostream api` (its own process, as deployed) answering feature lookups from many clients
 * while other clients post events to it, the processors (`recostream process all`) applying those
 * events at the same time. Every request must be answered — no error, no timeout, no 5xx —, a
 * probe user's posted events must show in its features within a bounded time, and at the end every
 * acknowledged event is in the features (the oracle over the log).
 */

const KEY = 'reliability-load-key-0123';
const DURATION_S = 30;
const LOOKUP_CONNECTIONS = 32;
const INGEST_CONNECTIONS = 8;
const BATCH = 50;
/**
 * Ingestion requests per second over all its connections: 1,000 events/s, below what the
 * processors apply on a 2-core machine while the lookups take their share (load-pipeline measures
 * that limit), so that freshness measures the API and not a backlog.
 */
const INGEST_REQUESTS_PER_S = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the API under concurrent lookups and ingestion', () => {
  const children: ChildHandle[] = [];
  let stack: Stack | undefined;

  afterEach(async () => {
    for (const c of children.splice(0)) await c.kill('SIGKILL');
    await stack?.stop();
  });

  it('answers every lookup and every ingestion request; posted events reach the features; nothing lost', async () => {
    const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    stack = await startStack({ redis: true, broker: true, registry: true });
    const kafka = stack.kafka();
    await createTopics(kafka, ['v1']);
    const serde = stack.serde();
    const data = makeDataset({ users: 3000, items: 800, events: 30_000, days: 20, seed: seed % 1000 });
    await produceItems(kafka, serde, data.items);
    await produceInteractions(kafka, serde, data.interactions);
    const env = stack.env({ DEDUPE_HORIZON_DAYS: '3650', API_KEY: KEY });
    const processors = spawnCli(['process', 'all'], env);
    children.push(processors);
    const redis = stack.redis();
    await waitForCaughtUp(kafka, redis, 'v1', 600_000);

    const port = await freePort();
    const api = spawnCli(['api', '--port', String(port), '--rate-limit', '0', '--quiet-requests'], env);
    children.push(api);
    const base = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 120_000; ;) {
      const ready = await fetch(`${base}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (api.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`recostream api did not become ready:\n${api.output()}`);
      await sleep(250);
    }
    const headers = { authorization: `Bearer ${KEY}` };

    const users = [...new Set(data.interactions.map((e) => e.user_id))];
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const lookups = autocannon({
      url: base,
      connections: LOOKUP_CONNECTIONS,
      duration: DURATION_S,
      headers,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: `/v1/features/users/${encodeURIComponent(pick(users))}` }),
        },
      ],
    });

    // Each ingestion connection has one request in flight at a time: its context remembers the
    // event_ids of that request, and a 202 adds them to what the API acknowledged.
    const dataEnd = Math.max(...data.interactions.map((e) => e.event_time));
    let n = 0;
    const sent = new Set<string>();
    const acknowledged = new Set<string>();
    const partial: string[] = [];
    const ingest = autocannon({
      url: base,
      connections: INGEST_CONNECTIONS,
      overallRate: INGEST_REQUESTS_PER_S,
      duration: DURATION_S,
      headers: { ...headers, 'content-type': 'application/json' },
      requests: [
        {
          method: 'POST',
          path: '/v1/events',
          setupRequest: (req, context) => {
            const batch = Array.from({ length: BATCH }, () => {
              const k = n++;
              return {
                event_id: `api-load-${seed}-${k}`,
                user_id: random() < 0.9 ? pick(users) : `api-user-${k % 500}`,
                item_id: pick(data.items).item_id,
                event_type: pick(['view', 'view', 'view', 'click', 'add_to_cart', 'purchase', 'like']),
                event_time: new Date(dataEnd + k * 100).toISOString(),
              };
            });
            (context as { ids: string[] }).ids = batch.map((e) => e.event_id);
            for (const e of batch) sent.add(e.event_id);
            return { ...req, body: JSON.stringify(batch) };
          },
          onResponse: (status, body, context) => {
            if (status !== 202) return;
            const ids = (context as { ids: string[] }).ids;
            const accepted = (JSON.parse(body) as { accepted: number }).accepted;
            if (accepted !== ids.length) partial.push(body.slice(0, 300));
            for (const id of ids) acknowledged.add(id);
          },
        },
      ],
    });

    // A probe user posted to once a second: how long until its features show each event.
    const freshness: number[] = [];
    const probeErrors: string[] = [];
    const rss: number[] = [];
    const probing = (async () => {
      const end = performance.now() + (DURATION_S - 2) * 1000;
      for (let k = 1; performance.now() < end; k++) {
        const at = performance.now();
        const posted = await fetch(`${base}/v1/events`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({
            event_id: `api-probe-${seed}-${k}`,
            user_id: 'api-probe-user',
            item_id: data.items[0]!.item_id,
            event_type: 'view',
            event_time: new Date(dataEnd).toISOString(),
          }),
        });
        if (posted.status !== 202) probeErrors.push(`POST ${posted.status} ${await posted.text()}`);
        else await posted.body?.cancel();
        for (;;) {
          const reply = await fetch(`${base}/v1/features/users/api-probe-user?fields=total_interactions`, {
            headers,
          });
          const text = await reply.text();
          const body =
            reply.status === 200 ? (JSON.parse(text) as { features: { total_interactions: number } }) : null;
          if (body && body.features.total_interactions >= k) break;
          if (performance.now() - at > 60_000) {
            probeErrors.push(
              `event ${k} not in the features after 60 s: ${reply.status} ${text.slice(0, 200)}`,
            );
            break;
          }
          await sleep(20);
        }
        freshness.push(performance.now() - at);
        const mem = await rssMiB(api.pid);
        if (mem !== null) rss.push(mem);
        await sleep(Math.max(0, 1000 - (performance.now() - at)));
      }
    })();

    const started = performance.now();
    const [read, write] = await Promise.all([lookups, ingest]);
    await probing;
    const loadS = secondsSince(started);
    expect(probeErrors).toEqual([]);
    expect(partial).toEqual([]);
    const failures = (r: autocannon.Result) => ({
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: r.non2xx,
    });
    expect({ lookups: failures(read), ingestion: failures(write) }).toEqual({
      lookups: { errors: 0, timeouts: 0, non2xx: 0 },
      ingestion: { errors: 0, timeouts: 0, non2xx: 0 },
    });
    expect(read.requests.total).toBeGreaterThan(0);
    expect(write.requests.total).toBeGreaterThan(0);
    expect(api.child.exitCode).toBeNull();

    // Every acknowledged event is on the log and in the features; nothing else came in.
    const caughtUpStarted = performance.now();
    await waitForCaughtUp(kafka, redis, 'v1', 600_000);
    const caughtUpS = secondsSince(caughtUpStarted);
    const input = await oracleInputsFromLog(kafka, serde);
    const fromApi = new Set(
      input.interactions.filter((e) => e.event_id.startsWith('api-load-')).map((e) => e.event_id),
    );
    const lost = [...acknowledged].filter((id) => !fromApi.has(id));
    const unknown = [...fromApi].filter((id) => !sent.has(id));
    expect({ lost: lost.slice(0, 10), unknown: unknown.slice(0, 10) }).toEqual({ lost: [], unknown: [] });
    const result = await redisDifferences(createFeatureReader(redis), input);
    expect(result.diffs.slice(0, 20)).toEqual([]);
    await api.kill('SIGTERM');
    await processors.kill('SIGTERM');

    const sorted = [...freshness].sort((a, b) => a - b);
    const quantile = (q: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    const figures = {
      seed,
      lookupsPerS: Math.round(read.requests.average),
      lookupP50Ms: read.latency.p50,
      lookupP99Ms: read.latency.p99,
      lookups: read.requests.total,
      ingestRequestsPerS: Math.round(write.requests.average),
      ingestEventsPerS: Math.round((acknowledged.size / loadS) * 10) / 10,
      ingestP50Ms: write.latency.p50,
      ingestP99Ms: write.latency.p99,
      acknowledged: acknowledged.size,
      onLog: fromApi.size,
      freshnessP50Ms: quantile(0.5),
      freshnessMaxMs: Math.round(sorted[sorted.length - 1]!),
      apiPeakRssMiB: Math.max(...rss),
      caughtUpS,
    };
    process.stdout.write(`[load-api] ${JSON.stringify(figures)}\n`);
    recordResult({
      id: 'load-api-lookups-and-ingestion',
      group: 'load',
      fault: 'The API under concurrent feature lookups and event ingestion',
      injection: `\`recostream api\` (its own process, rate limit off) over ${users.length.toLocaleString('en-US')} users with features; for ${DURATION_S} s at once: ${LOOKUP_CONNECTIONS} connections of GET /v1/features/users/:id (random known users) and ${INGEST_CONNECTIONS} connections of POST /v1/events (${BATCH} new events each, ${INGEST_REQUESTS_PER_S} requests/s in all) with autocannon, plus a probe posting one event a second and polling its user's features; \`recostream process all\` applying the posted events meanwhile`,
      mustHold:
        'No connection error, timeout or non-2xx response; every probe event visible in the features within 60 s; every acknowledged event on the log and, once the processors caught up, the features equal the oracle over the log',
      result: `${read.requests.total.toLocaleString('en-US')} lookups (${figures.lookupsPerS.toLocaleString('en-US')}/s, p50 ${figures.lookupP50Ms} ms, p99 ${figures.lookupP99Ms} ms) while ${acknowledged.size.toLocaleString('en-US')} events were ingested (${Math.round(figures.ingestEventsPerS).toLocaleString('en-US')}/s in ${write.requests.total.toLocaleString('en-US')} requests, p50 ${figures.ingestP50Ms} ms, p99 ${figures.ingestP99Ms} ms); 0 errors, 0 timeouts, 0 non-2xx; probe events in the features after p50 ${figures.freshnessP50Ms} ms, max ${figures.freshnessMaxMs} ms; API RSS at most ${figures.apiPeakRssMiB} MiB; every acknowledged event on the log, processors caught up ${caughtUpS} s after the load, ${result.users.toLocaleString('en-US')} users and ${result.items.toLocaleString('en-US')} items equal the oracle`,
      figures: { ...figures, loadS: round(loadS, 1) },
    });
  });
});
