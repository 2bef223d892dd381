#!/bin/bash
# No dependencies: starts at once.
UNIT_NAME="git-clone"
unitsync exp sync start "$UNIT_NAME"
echo "cloning the repository..."
sleep 1.0
unitsync exp sync complete "$UNIT_NAME"
echo "done"
