# Lasso: one image on the current Node LTS (24), multi-stage, production dependencies only,
# non-root. Build: docker build -t lasso .
# Run (docs/deploy.md): docker run -p 8080:8080 -e PUBLIC_URL=https://… -e LASTFM_API_KEY=… \
#   -e LASTFM_API_SECRET=… -e SESSION_SECRET=… -e DATABASE_URL=postgres://… lasso
#   (or, on the embedded store, -v lasso-data:/data instead of DATABASE_URL)
#
# test/ops/runtime-stage.test.ts reads this file and does what the `deps` and `runtime` stages do
# (their COPY sources, RUN, ENV, CMD, HEALTHCHECK) without Docker: change one, run that test.

# Every build tool (tsc, Vite, the PGlite snapshot) runs here; none of it reaches the image.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies only, from the lock file.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/package.json ./package.json
# What production loads: the server and the modules it imports (not dist/emulator: only demo
# mode, which production never runs, loads it), the migrations and the PGlite snapshot
# (dist/store), and the built web app (dist/web).
COPY --from=build --chown=node:node /app/dist/server ./dist/server
COPY --from=build --chown=node:node /app/dist/engine ./dist/engine
COPY --from=build --chown=node:node /app/dist/lastfm ./dist/lastfm
COPY --from=build --chown=node:node /app/dist/store ./dist/store
COPY --from=build --chown=node:node /app/dist/contract ./dist/contract
COPY --from=build --chown=node:node /app/dist/lib ./dist/lib
COPY --from=build --chown=node:node /app/dist/web ./dist/web
# The embedded store's folder when there is no DATABASE_URL; mount a volume on it to keep data.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# Liveness only (/healthz never touches the database). Node's own fetch: slim images have no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains: stop claiming hosts, finish in-flight Last.fm calls, release leases, exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server/main.js"]
