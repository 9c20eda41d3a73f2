# recostream: one image for every service (api, processors, ClickHouse sink, trainer, topology).
# The command picks the part: `docker run recostream api`, `... process all`, `... sink clickhouse`.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (a cached layer); `prepare` (the build) needs the sources, so no scripts here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY topology ./topology
COPY processors ./processors
COPY sinks ./sinks
COPY replay ./replay
COPY api ./api
COPY training ./training
COPY embedded ./embedded
COPY cli ./cli
COPY lib ./lib
# The dashboard's page, bundled into dist/dashboard by `npm run build`.
COPY web ./web
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, at the versions package-lock.json pins. No install scripts: the
# native packages recostream uses ship their binaries as per-platform packages.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY schemas/*.avsc ./schemas/
COPY sinks/clickhouse/migrations ./sinks/clickhouse/migrations
# /data/models exists in the image so that a volume mounted there (compose: api and trainer share
# the promoted models) starts owned by the non-root user.
RUN mkdir -p /data/models && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
