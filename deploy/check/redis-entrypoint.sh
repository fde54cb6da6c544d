#!/bin/sh
# Like the official image: Redis started without a configuration file listens on every
# interface of the container, outside protected mode.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  exec redis-server --bind 0.0.0.0 --protected-mode no "$@"
fi
exec "$@"
