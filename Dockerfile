# recostream: one image for every service (api, processors, ClickHouse sink, trainer, topology).
# The command picks the part: `docker run recostream api`, `... process all`, `... sink clickhouse`.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (cached layer); `prepare` (the build) needs the sources, so skip scripts here.
RUN npm install --ignore-scripts --no-audit --no-fund
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
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, at the versions package-lock.json pins. `npm install` rather than
# `npm ci`: npm ci refuses a lock file that does not list every platform's optional packages
# (chDB's and rollup's per-platform builds), and the registry mirror the lock was written with
# does not serve all of them (the same reason as in .ci/run).
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

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
