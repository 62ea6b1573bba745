# syntax=docker/dockerfile:1

# Flowbot: build with `docker build -t flowbot .`, run with
#   docker run --env-file .env -p 3000:3000 -v flowbot-data:/app/data flowbot
# The major version follows package.json "engines.node".
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-slim AS base
WORKDIR /app

# better-sqlite3 is a native addon: when no prebuilt binary fits, npm compiles it, which needs a toolchain.
# Only the stages that install dependencies carry it; the runtime image does not.
FROM base AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*

# npm ci runs the package's `prepare` script (scripts/build.mjs --if-stale), which finds no sources yet in the
# stages that install dependencies and does nothing there; the build stage builds explicitly afterwards.
FROM toolchain AS build
COPY package.json package-lock.json ./
COPY scripts/build.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build

# Production dependencies, compiled on the same base image as the runtime so the native addon matches it.
FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
COPY scripts/build.mjs ./scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM base AS runtime
ENV NODE_ENV=production \
  PORT=3000 \
  FLOW_DATA_DIR=/app/data
# package.json comes along because it marks dist/ as ES modules ("type": "module") and holds the npm scripts;
# build.mjs because `npm run alert` checks the build first (with no sources here, it only confirms dist/).
COPY package.json ./
COPY scripts/build.mjs ./scripts/
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The embedded store lives here; created before VOLUME so a fresh volume inherits the non-root owner.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
VOLUME /app/data
# node:*-slim has no curl or wget; Node's own fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs, without its build check (scripts/start.mjs; the image holds the build and no sources).
# --single-threaded-gc: the app thread collects its own garbage instead of taking the other cores, which the
# front door thread needs to acknowledge Slack on time; --max-semi-space-size=4: request state is short-lived,
# and a small young generation keeps the footprint near its resting size (docs/performance.md).
CMD ["node", "--single-threaded-gc", "--max-semi-space-size=4", "dist/bundle/index.js"]
