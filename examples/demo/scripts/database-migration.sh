#!/bin/bash
# Needs the environment (database URL) first.
UNIT_NAME="database-migration"
unitsync exp sync want "$UNIT_NAME" "env-setup"
unitsync exp sync start "$UNIT_NAME"
echo "migrating the database..."
sleep 0.6
unitsync exp sync complete "$UNIT_NAME"
echo "done"
