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
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
