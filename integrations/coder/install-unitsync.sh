# ensure_unitsync: prints the path of a unitsync binary to use, installing it first if needed.
# Every script of the module starts at the same instant, on a bare image that may have only curl
# or wget: the first one to take the lock (a directory: mkdir is atomic) installs, the others wait
# for it, then find the binary current (install.sh reads SHA256SUMS first and downloads nothing
# more when the installed binary matches). A lock whose holder died is taken over.
ensure_unitsync() {
  if [ "$unitsync_offline" = true ]; then
    command -v unitsync || {
      echo "unitsync module: offline = true, but unitsync is not on PATH in this image" >&2
      return 1
    }
    return 0
  fi
  prefix=${unitsync_prefix:-$HOME/.local}
  mkdir -p "$prefix" || return 1
  lock=$prefix/.unitsync-install.lock
  waited=0
  until mkdir "$lock" 2>/dev/null; do
    holder=$(cat "$lock/pid" 2>/dev/null || true)
    if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; then
      rm -rf "$lock" # its holder is gone
      continue
    fi
    if [ "$waited" -ge 600 ]; then
      echo "unitsync module: $lock is still held after 600s; remove it if no install is running" >&2
      return 1
    fi
    # Polling a lock for the one-time install: there is no unitsync yet to wait with.
    sleep 1
    waited=$((waited + 1))
  done
  echo "$$" >"$lock/pid"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/unitsync-install.XXXXXX")
  installed=0
  download_installer "$tmp/install.sh" &&
    sh "$tmp/install.sh" --from "$unitsync_release" --prefix "$prefix" >&2 || installed=$?
  rm -rf "$tmp" "$lock"
  [ "$installed" = 0 ] || return "$installed"
  echo "$prefix/bin/unitsync"
}

# download_installer FILE: the release's install.sh, with curl or wget (whichever the image has).
download_installer() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$1" "$unitsync_release/install.sh"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$1" "$unitsync_release/install.sh"
  else
    echo "unitsync module: installing unitsync needs curl or wget in the image (or set offline = true)" >&2
    return 1
  fi
}
