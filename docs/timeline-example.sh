#!/usr/bin/env bash
# Regenerates docs/timeline-example.svg and docs/timeline-example.png: a realistic 12-unit workspace
# startup (one optional step fails) run on a private agent, then `timeline -o svg`.
# Needs rsvg-convert for the PNG (Debian: apt-get install librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${UNITSYNC_BIN:-dist/unitsync}
dir=$(mktemp -d /tmp/us-doc-XXXXXX)
export UNITSYNC_SOCKET_PATH=$dir/agent.sock
"$BIN" agent 2>"$dir/agent.log" &
agent=$!
trap 'kill "$agent" 2>/dev/null || true; rm -rf "$dir"' EXIT
until "$BIN" sync ping >/dev/null 2>&1; do sleep 0.05; done

jobs=()
unit() { # unit NAME SECONDS [--want DEP]... : a startup script that works for SECONDS
  local name=$1 seconds=$2
  shift 2
  "$BIN" sync run "$name" "$@" -- sleep "$seconds" >/dev/null 2>&1 &
  jobs+=($!)
}
unit git-clone 1.2
unit dotfiles 0.4
unit apt-packages 2.0
unit secrets.fetch 0.6
unit node.install 1.0 --want git-clone
unit python.venv 1.4 --want git-clone --want apt-packages
unit db.start 0.8 --want apt-packages
unit db.migrate 0.7 --want db.start --want python.venv
unit ide.vscode-server 0.9 --want dotfiles --want node.install
unit app.build 1.6 --want node.install --want secrets.fetch
unit app.serve 0.5 --want app.build --want db.migrate
# An optional step that breaks: nothing depends on it, so the startup goes on.
"$BIN" sync run jetbrains.gateway --want git-clone -- sh -c 'sleep 0.7; exit 3' >/dev/null 2>&1 &
jobs+=($!)
for job in "${jobs[@]}"; do wait "$job" || true; done

"$BIN" sync timeline -o svg >docs/timeline-example.svg
rsvg-convert docs/timeline-example.svg -o docs/timeline-example.png
"$BIN" sync timeline
