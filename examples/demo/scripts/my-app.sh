#!/bin/bash
# The spec's "Multiple Dependencies" example, word for word but for `coder` -> `unitsync`.
UNIT_NAME="my-app"
DEPENDENCIES="git-clone,env-setup,database-migration"

# Declare all dependencies
if [ -n "$DEPENDENCIES" ]; then
  IFS=',' read -ra DEPS <<< "$DEPENDENCIES"
  for dep in "${DEPS[@]}"; do
    dep=$(echo "$dep" | xargs)  # Trim whitespace
    if [ -n "$dep" ]; then
      unitsync exp sync want "$UNIT_NAME" "$dep"
    fi
  done
fi

# Wait for all dependencies
unitsync exp sync start "$UNIT_NAME"

# Your work here
echo "All dependencies satisfied, starting application"
sleep 0.3

# Signal completion
unitsync exp sync complete "$UNIT_NAME"
