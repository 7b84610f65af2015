# One image for every scoreline program: `docker run scoreline:0.1.0 node dist/<program>.mjs`.
# Build: docker build -t scoreline:0.1.0 .   (compose.yml builds it the same way)

# --- build: compile better-sqlite3, bundle every program with `npm run build` ------------------------------
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source: node-gyp needs Python, make and a C++ compiler.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ > /dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# node-gyp uses the headers the Node image ships (/usr/local/include/node) instead of downloading them: the
# build needs only the npm registry.
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false
COPY package.json package-lock.json ./
# No install scripts but better-sqlite3's, compiled from source (no prebuilt binary is fetched): the others
# (optional native speed-ups, download helpers) are not used by the bundles.
RUN npm ci --no-audit --no-fund --loglevel=error --ignore-scripts \
 && npm rebuild better-sqlite3 --build-from-source --loglevel=error
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/
COPY migrations migrations/
COPY rosters rosters/
COPY src src/
# The bundles and the dashboard's assets, without the source maps (about 9 MB a program, for debugging the
# build, not for running it).
RUN npm run build && find dist -name '*.map' -delete
# The bundles carry every dependency but one: better-sqlite3, a native addon (scripts/build.mjs keeps it
# external). The runtime gets it and what it loads at run time (bindings, file-uri-to-path), not its
# install-time helpers, nor any other package: that is every production dependency the programs need.
RUN set -eu; \
    mod=/prod/node_modules; \
    mkdir -p $mod/better-sqlite3/build/Release; \
    cp -r node_modules/better-sqlite3/package.json node_modules/better-sqlite3/lib $mod/better-sqlite3/; \
    cp node_modules/better-sqlite3/build/Release/better_sqlite3.node $mod/better-sqlite3/build/Release/; \
    cp -r node_modules/bindings node_modules/file-uri-to-path $mod/

# --- runtime: Node, the bundles, the native addon; nothing else ---------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /prod/node_modules node_modules/
COPY --from=build /app/dist dist/
# The embedded SQLite default (DB_FILE=data/scoreline.db) needs a directory the node user can write.
RUN mkdir -p data && chown node:node data
USER node
# Points servers 5001-5004 (TCP or UDP), the dashboard 8080, echo 10000/10001, messages 8090.
EXPOSE 5001-5004 5001-5004/udp 8080 8090 10000 10001/udp
# For the programs that serve HTTP (the dashboard, the stack with STACK_DASHBOARD): GET /healthz on HTTP_PORT.
# compose.yml gives every other service its own check (or none).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node as PID 1 ignores SIGINT/SIGTERM unless the program handles them; runProgram does, and compose adds
# `init: true` besides. Run a program directly, never through npm or tsx (they swallow or relay signals).
CMD ["node", "dist/stack.mjs"]
