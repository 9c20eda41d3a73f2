import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TOPIC } from '../../topology/topics.js';
import { describeTopology } from '../../topology/describe.js';
import { dashboardAssetsDir } from '../dashboard/assets.js';
import { Cached } from '../dashboard/cached.js';
import {
  clickhouseDeadLetters,
  metricDeadLetters,
  type DeadLetterCounts,
} from '../dashboard/dead-letter-counts.js';
import { EndOffsets } from '../dashboard/end-offsets.js';
import {
  DeadLettersBody,
  ItemsBody,
  ItemsQuery,
  SummaryBody,
  TimeseriesBody,
  TimeseriesQuery,
  TopologyBody,
} from '../dashboard/http-schemas.js';
import { rankItems } from '../dashboard/item-rankings.js';
import { metricValues, sumBy } from '../dashboard/metric-values.js';
import { pipelineStatus } from '../dashboard/pipeline-status.js';
import { RateHistory, rateColumns } from '../dashboard/rate-history.js';
import { ThroughputSampler } from '../dashboard/throughput-sampler.js';
import { topologyView } from '../dashboard/topology-view.js';
import { bearerSecurity, errorResponses } from '../http-schemas/common.js';

/**
 * The dashboard: its page at `/` and assets under `/dashboard/` (open, like /docs: they hold code,
 * no data), and the JSON routes its panels poll (read access). Throughput history is sampled here
 * every second from the start, so the 15-minute chart has data when the page is first opened.
 */

export const SAMPLE_INTERVAL_MS = 1000;
/** 15 minutes of per-second samples. */
export const HISTORY_SAMPLES = 900;
/** How often the expensive panels (Redis scan, ClickHouse, broker metadata) are recomputed at most. */
const SLOW_PANEL_TTL_MS = 5_000;
/** Items each ranking keeps (the largest `limit` the items route accepts). */
const RANKED_ITEMS = 50;

export const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps, auth, metrics, health } = app.clients;
  const security = auth.guarded('read') ? bearerSecurity : [];
  const log = deps.logger.child({ part: 'dashboard' });

  const history = new RateHistory(HISTORY_SAMPLES);
  const endOffsets = new EndOffsets(deps.kafka);
  const sampler = new ThroughputSampler(
    history,
    {
      appendedRecords: () => endOffsets.total(TOPIC.interactions),
      processedEvents: async () =>
        sumBy(await metricValues(metrics, 'recostream_events_processed_total'), 'processor'),
    },
    { intervalMs: SAMPLE_INTERVAL_MS, logger: log },
  );
  sampler.start();
  app.addHook('onClose', async () => {
    await sampler.stop();
    await endOffsets.close();
  });

  const activeVersion = async () =>
    (await deps.features.resolveVersion().catch(() => ({ version: null }))).version ??
    deps.config.featureVersion;

  const items = new Cached(() => rankItems(deps.redis, deps.features, RANKED_ITEMS), SLOW_PANEL_TTL_MS);
  const deadLetters = new Cached<DeadLetterCounts>(async () => {
    if (deps.clickhouse) {
      try {
        return await clickhouseDeadLetters(deps.clickhouse);
      } catch (err) {
        log.warn({ err }, 'dead letters from ClickHouse failed; showing the counters of this process');
      }
    }
    return metricDeadLetters(metrics);
  }, SLOW_PANEL_TTL_MS);
  const topology = new Cached(async () => {
    const version = await activeVersion();
    return topologyView(version, await describeTopology({ kafka: deps.kafka, featureVersion: version }));
  }, SLOW_PANEL_TTL_MS);

  const assets = dashboardAssetsDir();
  if (assets) {
    // One route per built file (no wildcard): unknown paths keep the API's JSON 404.
    await app.register(fastifyStatic, { root: assets, prefix: '/dashboard/', wildcard: false, index: false });
    app.get('/', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
  } else {
    log.warn('the dashboard is not built (npm run build): / answers 503');
    app.get('/', { schema: { hide: true } }, (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built in this installation: run `npm run build`.\n'),
    );
  }

  const read = { onRequest: auth.hook('read') };

  app.get(
    '/v1/dashboard/summary',
    {
      ...read,
      schema: {
        tags: ['dashboard'],
        summary: 'Pipeline clock, freshness, consumer lag, latest rates and component health',
        security,
        response: { 200: SummaryBody, ...errorResponses },
      },
    },
    () => pipelineStatus({ metrics, features: deps.features, health, history }),
  );

  app.get(
    '/v1/dashboard/timeseries',
    {
      ...read,
      schema: {
        tags: ['dashboard'],
        summary: 'Events per second in and processed, one sample per second over the last 15 minutes',
        security,
        querystring: TimeseriesQuery,
        response: { 200: TimeseriesBody, ...errorResponses },
      },
    },
    (request) => ({
      interval_ms: SAMPLE_INTERVAL_MS,
      capacity: history.capacity,
      ...rateColumns(history.since(request.query.since)),
    }),
  );

  app.get(
    '/v1/dashboard/dead-letters',
    {
      ...read,
      schema: {
        tags: ['dashboard'],
        summary: 'Dead letters by origin and reason',
        security,
        response: { 200: DeadLettersBody, ...errorResponses },
      },
    },
    () => deadLetters.get(),
  );

  app.get(
    '/v1/dashboard/items',
    {
      ...read,
      schema: {
        tags: ['dashboard'],
        summary: 'Top items by popularity_score and trending items by trending_score',
        security,
        querystring: ItemsQuery,
        response: { 200: ItemsBody, ...errorResponses },
      },
    },
    async (request) => {
      const ranking = await items.get();
      const limit = request.query.limit;
      return { ...ranking, top: ranking.top.slice(0, limit), trending: ranking.trending.slice(0, limit) };
    },
  );

  app.get(
    '/v1/dashboard/topology',
    {
      ...read,
      schema: {
        tags: ['dashboard'],
        summary: 'Topics, partitions, end offsets and consumer group lag',
        security,
        response: { 200: TopologyBody, ...errorResponses },
      },
    },
    () => topology.get(),
  );
};
