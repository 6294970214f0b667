# fluxgate on Node, for one host or a fleet (compose.yaml). README, "Deploy".
#   docker build -t fluxgate .
#   docker run -p 8787:8787 -e API_KEY=... -v fluxgate-data:/data fluxgate

# Build: the Node entry compiled to dist/ (`npm run build` needs the dev dependencies).
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build-node.js ./scripts/
COPY src ./src
RUN npm run build

# Production dependencies only: the compiled entry imports nothing else.
FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:22-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    DATA_DIR=/data
COPY --from=deps /app/node_modules ./node_modules
# package.json too: its "type": "module" makes dist/*.js ES modules.
COPY package.json ./
COPY --from=build /app/dist ./dist
# The image's own `node` user (uid 1000) owns the data directory and nothing else.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8787
# Node's own fetch: the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, as `npm start` runs it but without npm: npm does not pass SIGTERM on, and the
# graceful shutdown that lets in-flight generations finish needs it.
CMD ["node", "--enable-source-maps", "dist/node.js"]
