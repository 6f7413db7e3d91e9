# syntax=docker/dockerfile:1
# SSE Hub add-on image. The Supervisor builds it on the device from this folder (the repository
# root); build.yaml, when the Supervisor reads it, passes the same base image as BUILD_FROM.
ARG BUILD_FROM=ghcr.io/home-assistant/base:3.24

# --- base: Alpine from Home Assistant (bash, curl, tzdata, CA certificates) plus Node.js only ---
# The Node major is pinned (Alpine 3.24's nodejs is 24.x): the stream socket takeover uses a Node
# internal, so a new major is a deliberate step, not a side effect of a base image bump
# (docs/decisions.md §6).
FROM ${BUILD_FROM} AS base
RUN apk add --no-cache nodejs~24
WORKDIR /app

# --- build: npm and the toolchain better-sqlite3 compiles with on musl, then the TypeScript build ---
FROM base AS build
RUN apk add --no-cache --virtual .build-deps npm python3 make g++
COPY package.json package-lock.json ./
# package.json's "allowScripts" lets npm run better-sqlite3's install script (prebuilt binary or
# a from-source build with python3/make/g++).
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.client.json ./
COPY src ./src
# The client library bundle (served at /client.js) and the panel (served at /) are built by these scripts with esbuild.
COPY scripts/build-client.ts scripts/build-panel.ts ./scripts/
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund \
    && rm -rf node_modules/better-sqlite3/deps \
              node_modules/better-sqlite3/build/Release/obj.target \
              node_modules/better-sqlite3/build/Release/.deps

# --- runtime: Node.js, the compiled code and production modules; no npm, no compiler ---
FROM base
ARG BUILD_ARCH
ARG BUILD_VERSION
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

LABEL \
    io.hass.name="SSE Hub" \
    io.hass.description="Home Assistant events as Server-Sent Events, with statistics, history and alerts" \
    io.hass.type="app" \
    io.hass.arch="${BUILD_ARCH}" \
    io.hass.version="${BUILD_VERSION}" \
    io.hass.url="https://github.com/sse-hub/sse-hub"

# The LAN listener (3000) answers /healthz without authentication from any address; the ingress
# listener (8099) is meant for the Supervisor's address only, so the check does not go there.
# 127.0.0.1, not localhost: Node binds 0.0.0.0 and curl would try ::1 first. With the `ssl` option
# the port speaks only HTTPS: plain HTTP fails at once and the second try checks over TLS (-k: the
# certificate names the public host, not 127.0.0.1, and the check sends nothing secret).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS --max-time 2 http://127.0.0.1:3000/healthz || curl -fsSk --max-time 2 https://127.0.0.1:3000/healthz || exit 1

# No s6: the base image's /init entrypoint is cleared and config.yaml keeps `init` at its default
# (true), so Docker's tini is PID 1 and hands SIGTERM to Node, which stops gracefully and exits 0;
# a bad configuration exits 2 and the container stops instead of restarting in a loop.
ENTRYPOINT []
CMD ["node", "--max-semi-space-size=2", "dist/main.js"]
