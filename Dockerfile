# One image for every Node process of the app, with node itself as PID 1
# (no npm in between: it cost about 65 MiB per pod and stood between the
# kubelet's SIGTERM and the process):
#   web (default)   node dist/node/web.js
#   consumer        node dist/node/consumer.js
#   migrations      node dist/node/migrate.js
# Plain Dockerfile syntax only, so the classic builder builds it as well as
# BuildKit and buildah (`minikube image build`, `docker build`, `podman build`).
# The base image is this one build argument (--build-arg NODE_IMAGE=...).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# Compiles TypeScript to dist/. Install scripts are skipped: the compiler
# needs none of them (they fetch workerd, esbuild and Node binaries).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.base.json tsconfig.node.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only. Optional dependencies stay: dbmate's
# binary comes in its platform package (@dbmate/linux-x64 or -arm64).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# jemalloc, the allocator the processes run with (LD_PRELOAD below): one
# file, which needs only what node itself links (libc, libstdc++, libgcc_s).
FROM ${NODE_IMAGE} AS allocator
RUN apt-get update \
 && apt-get install -y --no-install-recommends libjemalloc2 \
 && cp "$(dpkg -L libjemalloc2 | grep '/libjemalloc\.so\.2$')" /libjemalloc.so.2 \
 && rm -rf /var/lib/apt/lists/*

FROM ${NODE_IMAGE}
# NODE_OPTIONS is the one place for the processes' node flags: every command
# the image runs (its CMD, the manifests' commands, `kubectl exec ... node`)
# inherits it. Measured on this image (k8s/README.md, "Memory"):
# --max-semi-space-size=8 caps V8's young generation at 2 x 8 MiB (V8 sizes it
#   from the host's memory, not the pod's limit);
# --max-old-space-size-percentage=50 sizes the old generation from the
#   container's memory limit (64 MiB under a 128Mi limit) so V8 collects
#   before the kernel's OOM killer acts; without a limit it changes nothing.
# LD_PRELOAD swaps glibc's malloc for jemalloc. glibc kept the memory V8's
# background compiler threads had freed in per-thread arenas: after a load,
# 35 MB held for 8 MB in use (malloc_stats), about 23 MiB of the web
# process's resident memory. MALLOC_CONF: two arenas (jemalloc would count the
# node's CPUs, not the pod's), and freed pages go back to the kernel after 1 s.
ENV NODE_ENV=production \
    PORT=8080 \
    NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size-percentage=50" \
    LD_PRELOAD=/usr/local/lib/libjemalloc.so.2 \
    MALLOC_CONF=narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0
WORKDIR /app
# Everything stays owned by root: the app's user can read it, never change it.
# package.json says the compiled files are ES modules.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY public ./public
COPY migrations ./migrations
COPY --from=allocator /libjemalloc.so.2 /usr/local/lib/libjemalloc.so.2
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["node", "dist/node/web.js"]
