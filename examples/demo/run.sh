#!/usr/bin/env bash
# The demo behind `npm run demo`: start an agent on a private socket, run five startup scripts
# shaped like the spec's examples in parallel, show that each waited for its dependencies, print
# `list`, and stop the agent (`unitsync agent stop`, also when the output is cut short). Expects dist/unitsync (npm run demo builds it first).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin="$root/dist/unitsync"
[ -x "$bin" ] || { echo "error: $bin is missing; run: npm run build" >&2; exit 1; }

work=$(mktemp -d /tmp/unitsync-demo.XXXXXX)
export UNITSYNC_SOCKET_PATH="$work/agent.sock"
# The demo starts and stops its own agent: a script still running after it must not start another.
export UNITSYNC_AUTOSTART=0
export PATH="$root/dist:$PATH"
agent_pid=
cleanup() {
  # Nothing may cut the cleanup short: each script's output stamper whose reader went away sends
  # the demo a SIGPIPE, and one arriving here ran `exit 141` before the agent was stopped.
  trap '' PIPE INT TERM HUP
  # `agent stop` returns once the agent has exited; kill is the fallback if it cannot ask it. The
  # socket is asked even when the pid is not known yet.
  if [ -n "$agent_pid" ] || [ -S "$UNITSYNC_SOCKET_PATH" ]; then
    unitsync agent stop >/dev/null 2>&1 || { [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null; } || true
    if [ -n "$agent_pid" ]; then wait "$agent_pid" 2>/dev/null || true; fi
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# A reader that goes away (`npm run demo | head`) or Ctrl-C must still stop the agent.
trap 'exit 141' PIPE
trap 'exit 130' INT
trap 'exit 143' TERM HUP

start=$(date +%s%N)
demo_pid=$$
stamp() { # prefixes each line with the time since the demo started and the script's name
  local name=$1 line
  # A reader gone (`| head`) ends the whole demo, not only this line's writer: the agent outlives
  # a lost stderr, so without this the scripts would wait on each other forever.
  trap '' PIPE
  while IFS= read -r line; do
    local ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf '[+%d.%02ds] %-19s %s\n' $((ms / 1000)) $((ms % 1000 / 10)) "$name" "$line" 2>/dev/null ||
      { kill -PIPE "$demo_pid" 2>/dev/null; exit 0; }
  done
}

echo "== starting the agent on $UNITSYNC_SOCKET_PATH"
# No SIGPIPE between starting the agent and noting its pid (a cleanup then would not know it);
# a reader gone meanwhile is noticed at the next line written.
trap '' PIPE
unitsync agent 2> >(stamp agent) &
agent_pid=$!
trap 'exit 141' PIPE
until unitsync exp sync ping >/dev/null 2>&1; do
  kill -0 "$agent_pid" 2>/dev/null || { echo "error: the agent did not start" >&2; exit 1; }
done

echo "== running five startup scripts in parallel, in no particular order"
pids=()
for script in my-app ide-setup database-migration env-setup git-clone; do
  bash "$here/scripts/$script.sh" 2>&1 | stamp "$script" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done

echo
echo "== unitsync exp sync list"
unitsync exp sync list
echo
echo "== unitsync exp sync status my-app"
unitsync exp sync status my-app
echo
echo "== unitsync exp sync timeline (the critical path is marked)"
unitsync exp sync timeline
unitsync exp sync timeline -o svg > "$root/dist/demo-timeline.svg"
unitsync exp sync graph -o dot > "$root/dist/demo-graph.dot"
echo
echo "Wrote dist/demo-timeline.svg (open it in a browser) and dist/demo-graph.dot (dot -Tpng)."
exit $status
