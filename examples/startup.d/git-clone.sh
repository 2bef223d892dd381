#!/bin/sh
# Clone the project's repository into the workspace (simulated: no network).
# No header: unit "git-clone" (the file name without .sh), with no dependencies.
set -eu
ws="${EXAMPLE_WORKSPACE:-${TMPDIR:-/tmp}/unitsync-example}"
echo "cloning example/app into $ws/app"
mkdir -p "$ws/app"
sleep 0.3
printf 'node 22.11.0\n' >"$ws/app/.tool-versions"
printf 'CREATE TABLE users (id integer primary key, name text);\n' >"$ws/app/schema.sql"
echo "checked out main"
