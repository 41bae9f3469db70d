#!/usr/bin/env bash
# Makes the Dockerfile's base image (its `ARG NODE_IMAGE`, e.g.
# node:24.21.0-bookworm-slim) available to podman where no image registry can
# be reached: a stand-in built from Debian (debootstrap, minbase) with the
# same Node version from the npm package `node`, npm from the npm registry,
# and this machine's CA bundle (the npm registry is reached through a proxy
# that needs it). It is tagged under the base image's exact name, so
# `podman build --pull=never` finds it. Does nothing when podman already has
# an image of that name (pulled or built before), but a redis or postgres
# stand-in built from an entrypoint other than the one in stand-ins/ now: that
# one is built again.
#
# The same script makes stand-ins for the images compose.yaml runs beside
# ours, redis:7-alpine and postgres:15-alpine: Debian's redis-server and
# postgresql-15 on the same Debian tree, with an entrypoint each
# (test/container/stand-ins/) that does what compose.yaml relies on.
#
# Usage: test/container/base-image.sh [IMAGE]
# Cache: $VOTE_IMAGE_CACHE (default ~/.cache/vote-image): the Debian tree as a
# tar, the Node and npm packages. podman keeps the images themselves.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Absolute: podman build's copier runs in another directory, where a relative path names nothing.
CONTAINERS_CONF=$(realpath "${CONTAINERS_CONF:-$here/containers.conf}")
export CONTAINERS_CONF
image=${1:-$(sed -n 's/^ARG NODE_IMAGE=//p' "$here/../../Dockerfile" | head -n 1)}
cache=${VOTE_IMAGE_CACHE:-$HOME/.cache/vote-image}
mkdir -p "$cache"

# One builder at a time (the tests and the benchmark may start together).
exec 9>"$cache/lock"
flock 9

suite=bookworm
case $image in
  redis:7-alpine | docker.io/library/redis:7-alpine) kind=redis packages="redis-server redis-tools" ;;
  postgres:15-alpine | docker.io/library/postgres:15-alpine) kind=postgres packages="postgresql-15 postgresql-client-15" ;;
  *)
    if podman image exists "$image"; then exit 0; fi
    if ! [[ $image =~ ^(docker\.io/(library/)?)?node:([0-9]+\.[0-9]+\.[0-9]+)-([a-z]+)-slim$ ]]; then
      echo "base-image: no stand-in recipe for $image (node:X.Y.Z-<debian suite>-slim, redis:7-alpine, postgres:15-alpine)" >&2
      exit 2
    fi
    kind=node version=${BASH_REMATCH[3]} suite=${BASH_REMATCH[4]}
    ;;
esac
reason="is not in podman's storage"
if [ "$kind" != node ]; then
  entrypoint="$here/stand-ins/$kind-entrypoint.sh"
  entrypoint_sha=$(sha256sum "$entrypoint" | cut -d " " -f 1)
  if podman image exists "$image"; then
    labels=$(podman image inspect --format '{{index .Labels "org.opencontainers.image.description"}}|{{index .Labels "stand-in.entrypoint-sha256"}}' "$image")
    # Not ours (pulled), or ours from this very entrypoint: nothing to do.
    if [[ $labels != *"built by test/container/base-image.sh"* || $labels == *"|$entrypoint_sha" ]]; then exit 0; fi
    reason="was built from another $(basename "$entrypoint")"
    previous=$(podman image inspect --format '{{.Id}}' "$image")
  fi
fi
started=$SECONDS
echo "base-image: $image $reason; building a stand-in ($kind on Debian $suite)" >&2

rootfs_tar="$cache/debian-$suite-minbase.tar"
if [ ! -s "$rootfs_tar" ]; then
  command -v debootstrap >/dev/null || { echo "base-image: debootstrap is missing (apt-get install debootstrap)" >&2; exit 2; }
  rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  echo "base-image: debootstrap $suite (log: $cache/debootstrap.log)" >&2
  debootstrap --variant=minbase "$suite" "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
  # What the official slim images leave out too: package lists and caches.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$rootfs"
  trap - EXIT
fi
rootfs_image="localhost/vote-stand-in-rootfs:$suite"
podman image exists "$rootfs_image" || podman import --quiet "$rootfs_tar" "$rootfs_image" >/dev/null

if [ "$kind" != node ]; then
  context=$(mktemp -d "$cache/context.XXXXXX")
  trap 'rm -rf "$context"' EXIT
  cp "$entrypoint" "$context/entrypoint.sh"
  {
    echo "FROM $rootfs_image"
    echo "RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null \\"
    echo " && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb"
    echo "COPY entrypoint.sh /usr/local/bin/entrypoint.sh"
    if [ "$kind" = redis ]; then
      echo "RUN mkdir -p /data"
      echo "WORKDIR /data"
      echo 'CMD ["redis-server"]'
    else
      echo "ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:\$PATH"
      echo 'CMD []'
    fi
    echo 'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]'
    echo "LABEL org.opencontainers.image.description=\"stand-in for $image built by test/container/base-image.sh (not the official image)\""
    echo "LABEL stand-in.entrypoint-sha256=$entrypoint_sha"
  } >"$context/Containerfile"
  podman build --quiet --pull=never --network host -t "$image" "$context" >/dev/null
  # The image this one replaces, unless a container still runs it.
  if [ -n "${previous:-}" ]; then podman rmi "$previous" >/dev/null 2>&1 || true; fi
  echo "base-image: $image ready in $((SECONDS - started)) s" >&2
  exit 0
fi

# Node: the npm package `node` carries the official linux build of that version.
node_dir="$cache/node-$version"
if [ ! -x "$node_dir/node_modules/node/bin/node" ]; then
  npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error "node@$version" >&2
fi
npm_tgz=$(ls "$cache"/npm-11.*.tgz 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$npm_tgz" ]; then
  (cd "$cache" && npm pack --silent npm@11 >/dev/null)
  npm_tgz=$(ls "$cache"/npm-11.*.tgz | sort -V | tail -n 1)
fi
cafile=$(npm config get cafile)
[ "$cafile" != null ] && [ -s "$cafile" ] || cafile=/etc/ssl/certs/ca-certificates.crt

context=$(mktemp -d "$cache/context.XXXXXX")
trap 'rm -rf "$context"' EXIT
ln "$node_dir/node_modules/node/bin/node" "$context/node" 2>/dev/null || cp "$node_dir/node_modules/node/bin/node" "$context/node"
cp "$npm_tgz" "$context/npm.tgz"
cp "$cafile" "$context/ca-certificates.crt"
cat >"$context/Containerfile" <<CONTAINERFILE
FROM $rootfs_image
COPY node /usr/local/bin/node
COPY npm.tgz /tmp/npm.tgz
COPY ca-certificates.crt /usr/local/share/stand-in/ca-certificates.crt
RUN mkdir -p /usr/local/lib/node_modules/npm \\
 && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner \\
 && rm /tmp/npm.tgz \\
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=$version \\
    NODE_EXTRA_CA_CERTS=/usr/local/share/stand-in/ca-certificates.crt
LABEL org.opencontainers.image.description="stand-in for $image built by test/container/base-image.sh (not the official image)"
CMD ["node"]
CONTAINERFILE
podman build --quiet --pull=never --network host -t "$image" "$context" >/dev/null
echo "base-image: $image ready in $((SECONDS - started)) s" >&2
