#!/bin/sh
# The debyard command: the daemon (debyard daemon) and its command-line client.
# Two malloc arenas, not eight per core: the daemon's threads (reading .debs, compressing
# indices) each kept an arena of freed memory; see README "Memory".
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec /usr/bin/node /usr/lib/debyard/dist/app/main.js "$@"
