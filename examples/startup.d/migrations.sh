#!/bin/sh
# unitsync: want=database,toolchain
#
# Apply the schema from the repository (git-clone, through toolchain) to the database.
set -eu
ws="${EXAMPLE_WORKSPACE:-${TMPDIR:-/tmp}/unitsync-example}"
test -f "$ws/db/ready"
echo "applying $ws/app/schema.sql"
sleep 0.1
cp "$ws/app/schema.sql" "$ws/db/applied.sql"
echo "1 migration applied"
