#!/bin/bash
# No dependencies: starts at once.
UNIT_NAME="env-setup"
unitsync exp sync start "$UNIT_NAME"
echo "writing the environment..."
sleep 0.5
unitsync exp sync complete "$UNIT_NAME"
echo "done"
