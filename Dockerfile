# Lasso: one image, multi-stage, non-root. Build: docker build -t lasso .
# Run: docker run -p 8080:8080 -e ENVIRONMENT=production -e PUBLIC_URL=https://… \
#        -e LASTFM_API_KEY=… -e LASTFM_API_SECRET=… -e SESSION_SECRET=… -e DATABASE_URL=postgres://… lasso

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# SIGTERM drains: stop claiming hosts, finish in-flight Last.fm calls, release leases, exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server/main.js"]
