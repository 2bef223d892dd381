#!/bin/sh
# The unitsync Feature's entrypoint, run when the dev container starts, with the container's
# command as its arguments. It starts the unitsync agent in the background, as the dev container's
# user so that the user's scripts (postStartCommand, a terminal) reach it at their default socket
# path, running the startup scripts directory if there is one, then runs the command.
unitsync_scripts=/etc/unitsync.d
unitsync_user=root
# shellcheck source=/dev/null
. /usr/local/share/unitsync/feature.env

agent="exec /usr/local/bin/unitsync agent"
if [ -d "$unitsync_scripts" ]; then agent="$agent --scripts '$unitsync_scripts'"; fi
# Then wait (10 s at most) until it answers, so that the command's first unitsync call finds it
# rather than starting an agent of its own without the scripts.
# shellcheck disable=SC2016 # expanded by the shell that runs it
ready='i=0; until /usr/local/bin/unitsync exp sync ping >/dev/null 2>&1; do i=$((i + 1)); [ "$i" -lt 100 ] || exit 1; sleep 0.1 2>/dev/null || sleep 1; done'
log=${TMPDIR:-/tmp}/unitsync-agent.log
if [ "$(id -u)" = 0 ] && [ "$unitsync_user" != root ] && id "$unitsync_user" >/dev/null 2>&1; then
  touch "$log" && chown "$unitsync_user" "$log"
  su "$unitsync_user" -s /bin/sh -c "$agent" >>"$log" 2>&1 </dev/null &
  su "$unitsync_user" -s /bin/sh -c "$ready" || echo "unitsync: the agent did not answer; see $log" >&2
else
  sh -c "$agent" >>"$log" 2>&1 </dev/null &
  sh -c "$ready" || echo "unitsync: the agent did not answer; see $log" >&2
fi

if [ $# -gt 0 ]; then exec "$@"; fi
wait
