#!/bin/bash
# Depends on git-clone because we need .vscode/extensions.json,
# and on env-setup because we need $NODE_PATH configured (the spec's "Document dependencies" example).
UNIT_NAME="ide-setup"
unitsync exp sync want "$UNIT_NAME" "git-clone"
unitsync exp sync want "$UNIT_NAME" "env-setup"
unitsync exp sync start "$UNIT_NAME"
echo "installing IDE extensions..."
sleep 0.4
unitsync exp sync complete "$UNIT_NAME"
echo "done"
