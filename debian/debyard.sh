#!/bin/sh
# The debyard command: the daemon (debyard daemon) and its command-line client.
exec /usr/bin/node /usr/lib/debyard/dist/app/main.js "$@"
