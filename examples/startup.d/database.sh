#!/bin/sh
# unitsync: ready=exec:test -e "${EXAMPLE_WORKSPACE:-${TMPDIR:-/tmp}/unitsync-example}/db/ready"
# unitsync: ready-timeout=1m
#
# The development database, as a service: the script stays in the foreground for as long as the
# database runs, and its unit completes when the `ready=` probe passes (here: a flag file; the
# simulated server has no port), so `migrations` waits for a database that accepts connections,
# not merely for a script that returned. With a real server the header and the last line read:
#   # unitsync: ready=tcp:127.0.0.1:5432
#   exec postgres -D "$ws/db"
# If it exits before it is ready, or the probe still fails after ready-timeout, the unit fails
# with that reason and everything that wants it stops at once.
set -eu
ws="${EXAMPLE_WORKSPACE:-${TMPDIR:-/tmp}/unitsync-example}"
mkdir -p "$ws/db"
echo "starting the database in $ws/db"
sleep 0.2
touch "$ws/db/ready"
echo "database accepting connections"
# The server's foreground process; the agent stops it (SIGTERM) when it shuts down.
exec tail -f /dev/null
