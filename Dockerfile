# movie-mlops/api: the platform (API, web UI, serving, pipelines, workers) in one image.
#
#   docker build -t movie-mlops/api:0.1.0 .
#   docker run -p 8000:8000 -e MLOPS_ADMIN_TOKEN=<24+ characters> movie-mlops/api:0.1.0   # mlops up, embedded
#   docker run movie-mlops/api:0.1.0 worker                       # any other mlops command
#
# It listens on 0.0.0.0, so every route but /health and /ready needs an API token (docs/security.md).
#
# deploy/docker-compose.yml and deploy/k8s/ run it against PostgreSQL, Redis, Kafka and S3; see
# docs/deployment-guide.md.

# --- build: compile the server, the WebAssembly kernels and the web UI -------------------------------------
FROM node:20-slim AS build
WORKDIR /app
ENV CI=true
# Dependencies first, so the layer is reused until package*.json change. Install scripts run through
# `npm rebuild` (esbuild, msgpackr), not the package's own `prepare`, which needs the sources.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild
COPY . .
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
  && chmod 755 dist/cli/main.js

# --- runtime: production dependencies, dist/ and web/dist only, as a non-root user --------------------------
FROM node:20-slim AS runtime
ARG VERSION=0.0.0-dev
LABEL org.opencontainers.image.title="movie-mlops" \
  org.opencontainers.image.description="MLOps platform for movie recommendation: API, web UI, serving, pipelines" \
  org.opencontainers.image.version="${VERSION}" \
  org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production \
  MLOPS_HOST=0.0.0.0 \
  MLOPS_PORT=8000 \
  MLOPS_HOME=/var/lib/mlops \
  MLOPS_LOG_FORMAT=json
WORKDIR /app
# A fixed numeric uid, so Kubernetes can check runAsNonRoot; MLOPS_HOME is its only writable folder.
RUN groupadd --system --gid 10001 mlops \
  && useradd --system --uid 10001 --gid mlops --home-dir /var/lib/mlops --shell /usr/sbin/nologin mlops \
  && mkdir -p /var/lib/mlops \
  && chown mlops:mlops /var/lib/mlops
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
RUN ln -s /app/dist/cli/main.js /usr/local/bin/mlops
USER 10001:10001
EXPOSE 8000
# Liveness of `mlops up` / `mlops serve` (Node's fetch: the slim image has no curl). Containers that run
# other commands (worker, db migrate) override or disable it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MLOPS_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["up"]
