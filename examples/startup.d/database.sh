#!/bin/sh
# Start the development database (simulated: a data directory and a ready flag).
# A real one would start the server in the background with its output redirected to a file,
# e.g. `postgres -D "$ws/db" >"$ws/db/server.log" 2>&1 &`, then wait until it accepts connections.
set -eu
ws="${EXAMPLE_WORKSPACE:-${TMPDIR:-/tmp}/unitsync-example}"
mkdir -p "$ws/db"
echo "starting the database in $ws/db"
sleep 0.2
touch "$ws/db/ready"
echo "database accepting connections"
