#!/bin/sh
# The stand-in redis image's entrypoint (test/container/base-image.sh): as
# the official image does, a command that starts with a flag is redis-server's,
# and redis-server runs without protected mode (the official image builds it
# so), since the other containers reach it over the compose network.
set -e
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
