import type { AddressInfo } from 'node:net';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { health as processHealth } from '../lib/health.js';
import { metricsRegistry } from '../lib/metrics.js';
import { createAuthenticator } from './auth.js';
import { localMetricsExposition } from './cluster/metrics.js';
import { DEFAULT_API_SETTINGS, type ApiClients, type ApiDeps, type ApiSettings } from './context.js';
import { errorBody, handleError } from './errors.js';
import { createHttpMetrics, type HttpMetrics } from './http-metrics.js';
import { guardJsonDepth } from './json-body.js';
import { requestIdGenerator } from './request-id.js';
import { responseHeadersHook, securityHeaders } from './security-headers.js';
import { clickhouseProbe, kafkaProbe, redisProbe, registryProbe } from './readiness.js';
import { PopularityRecommender, RedisPopularItems } from './recommend/popularity.js';
import { clickhousePurchases, redisPurchases } from './recommend/purchases.js';
import { ServedModelRecommender } from './recommend/served-model.js';
import { catalogRoutes } from './routes/catalog.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { featureRoutes } from './routes/features.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { schemaRoutes } from './routes/schemas.js';
import { sqlRoutes } from './routes/sql.js';
import { trainingRoutes } from './routes/training.js';
import { uploadRoutes } from './routes/uploads.js';

export type { ApiDeps, ApiSettings } from './context.js';
export { DEFAULT_API_SETTINGS } from './context.js';

/** One route of the API and the access its onRequest hook enforces (`open`: no key checked). */
export interface ApiRoute {
  method: string;
  url: string;
  access: 'open' | 'read' | 'write';
  /** Largest request body the route accepts, in bytes. */
  bodyLimit: number;
}

export type Api = FastifyInstance & {
  readonly settings: ApiSettings;
  /** Every route, as registered (HEAD routes of GETs included): what security tests enumerate. */
  readonly routes: readonly ApiRoute[];
};

/**
 * The route groups with their clients: `clients` is decorated inside this scope only, so the
 * documentation routes and plugins outside it never see the clients.
 */
const apiScope: FastifyPluginAsyncTypebox<{ clients: ApiClients }> = async (app, options) => {
  app.decorate('clients', options.clients);
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(featureRoutes);
  await app.register(eventRoutes);
  await app.register(catalogRoutes);
  await app.register(uploadRoutes);
  await app.register(schemaRoutes);
  await app.register(recommendationRoutes);
  await app.register(trainingRoutes);
  await app.register(sqlRoutes);
  await app.register(dashboardRoutes);
};

function defaultClients(deps: ApiDeps, settings: ApiSettings, http: HttpMetrics): ApiClients {
  const log = deps.logger.child({ part: 'api' });
  const metrics = deps.metrics ?? metricsRegistry;
  const popularity = new PopularityRecommender(new RedisPopularItems(deps.redis));
  const recommender =
    deps.recommender ??
    (deps.servedModels ? new ServedModelRecommender(deps.servedModels, popularity) : popularity);
  const probes = [
    kafkaProbe(deps.kafka),
    registryProbe(deps.schemaRegistryUrl),
    redisProbe(deps.redis),
    clickhouseProbe(deps.clickhouse),
    ...(deps.probes ?? []),
  ];
  return {
    deps,
    settings,
    auth: createAuthenticator({ apiKey: deps.config.apiKey, apiReadKey: deps.config.apiReadKey }),
    recommender,
    purchases:
      deps.purchases ??
      redisPurchases(deps.redis, log, deps.clickhouse ? clickhousePurchases(deps.clickhouse, log) : null),
    health: deps.health ?? processHealth,
    metrics,
    metricsText: (deps.metricsExposition ?? localMetricsExposition)([http.registry, metrics]),
    probes,
  };
}

/**
 * Builds the API (not listening): plugins, hooks, documentation and every route group, wired to
 * `deps`. Tests call this with the real clients of a test stack; `startApi` listens.
 */
export async function buildApi(deps: ApiDeps, overrides: Partial<ApiSettings> = {}): Promise<Api> {
  const settings: ApiSettings = { ...DEFAULT_API_SETTINGS, ...overrides };
  const http = createHttpMetrics();
  const clients = defaultClients(deps, settings, http);
  const routes: ApiRoute[] = [];

  const app = Fastify({
    loggerInstance: deps.logger.child({ part: 'api' }),
    // Completed requests are logged by the onResponse hook below (one line, with the route).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: requestIdGenerator(),
    bodyLimit: settings.bodyLimitBytes,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 600 },
    ajv: {
      customOptions: {
        // Unknown fields are refused rather than silently dropped (a typo should be an error).
        removeAdditional: false,
        // Query strings are strings: '10' becomes 10 for an integer. Not 'array', which would
        // wrap a scalar body into a one-element array and accept it.
        coerceTypes: true,
        useDefaults: true,
        allErrors: false,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The route table: registered before any route, so a new route cannot be missing from it.
  app.addHook('onRoute', (route) => {
    const hooks = [route.onRequest ?? []].flat();
    const access = hooks.includes(clients.auth.hook('write'))
      ? 'write'
      : hooks.includes(clients.auth.hook('read'))
        ? 'read'
        : 'open';
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, access, bodyLimit: route.bodyLimit ?? settings.bodyLimitBytes });
    }
  });

  // JSON only (multipart in the upload scope): a text/plain body is refused with 415 rather
  // than parsed into a string that then fails validation.
  app.removeContentTypeParser('text/plain');
  guardJsonDepth(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(
        errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]} (see /docs)`, null),
      );
  });

  app.addHook('onRequest', responseHeadersHook(await securityHeaders()));
  // Graceful shutdown: requests in flight when close() starts get `connection: close`, so their
  // keep-alive connections end with the response instead of holding close() for the keep-alive
  // timeout (72 s).
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request: FastifyRequest, reply, done) => {
    http.observe(request, reply);
    const status = reply.statusCode;
    if (status >= 500 || settings.logRequests) {
      request.log[status >= 500 ? 'error' : 'info'](
        {
          method: request.method,
          route: request.routeOptions.url,
          url: request.url,
          status,
          ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
    }
    done();
  });

  if (settings.corsOrigins.length > 0) {
    await app.register(cors, { origin: settings.corsOrigins, credentials: false });
  }
  if (settings.rateLimit) {
    await app.register(rateLimit, {
      global: true,
      max: settings.rateLimit.max,
      timeWindow: settings.rateLimit.timeWindowMs,
      ...(settings.rateLimitStore === 'redis' ? { redis: deps.redis, nameSpace: 'rs:rate-limit:' } : {}),
      // Probes and scrapes are never throttled.
      allowList: (request) =>
        request.url === '/health' || request.url === '/ready' || request.url === '/metrics',
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'recostream API',
        description:
          'Feature lookups, ingestion, recommendations, training and SQL of the recostream feature pipeline. ' +
          'Errors are `{ error, field, reason }`.',
        version: '1',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'API_KEY (writes, admin) or API_READ_KEY (reads)',
          },
        },
      },
    },
  });
  // The UI's assets are served from the package itself: /docs works without network access.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.addHook('onClose', async () => {
    await Promise.all(clients.probes.map((p) => p.close?.()));
  });

  await app.register(apiScope, { clients });
  await app.ready();
  return Object.assign(app, { settings, routes }) as unknown as Api;
}

export interface RunningApi {
  app: Api;
  /** http://host:port */
  url: string;
  port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish (their Kafka writes included),
   * and closes the readiness clients. The caller then disconnects the producer it owns, which
   * flushes what is still buffered.
   */
  close(): Promise<void>;
}

export interface StartApiOptions {
  port?: number;
  host?: string;
  settings?: Partial<ApiSettings>;
  /** Awaited once the API is built, before it listens (a cluster worker waits for its peers). */
  beforeListen?: () => Promise<void>;
}

export async function startApi(deps: ApiDeps, options: StartApiOptions = {}): Promise<RunningApi> {
  const app = await buildApi(deps, options.settings);
  const host = options.host ?? '127.0.0.1';
  try {
    await options.beforeListen?.();
  } catch (err) {
    await app.close();
    throw err;
  }
  await app.listen({ port: options.port ?? 3000, host });
  const port = (app.server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  app.log.info({ url, docs: `${url}/docs` }, 'API listening');
  let closing: Promise<undefined> | undefined;
  return {
    app,
    url,
    port,
    close: () => (closing ??= app.close()),
  };
}
