# syntax=docker/dockerfile:1.7
# One image for every Node process of the app. Its commands are the npm
# scripts the tests run: `npm run start:web` (default), `npm run
# start:consumer` and `npm run migrate`.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# Compiles TypeScript to dist/ with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` rather than `npm ci`: the lock file lacks dbmate's
# other-platform optional packages, which `npm ci` refuses (see k8s/README.md).
RUN --mount=type=cache,target=/root/.npm npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only. Optional dependencies stay: dbmate's
# binary comes in its platform package (@dbmate/linux-x64 or -arm64).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm install --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# npm writes its cache and debug logs under /tmp, the one writable path
# (an emptyDir in Kubernetes), so the root filesystem can be read-only.
# bash as script shell execs the script's last command, so the SIGTERM npm
# forwards reaches node (dash would swallow it and node would be killed).
# A silent npm keeps stdout to the app's JSON lines; the app prints its own errors.
ENV NODE_ENV=production \
    PORT=8080 \
    npm_config_cache=/tmp/.npm \
    npm_config_script_shell=/bin/bash \
    npm_config_update_notifier=false \
    npm_config_loglevel=silent
WORKDIR /app
# Everything stays owned by root: the app's user can read it, never change it.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY public ./public
COPY migrations ./migrations
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["npm", "run", "start:web"]
