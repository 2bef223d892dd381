#!/bin/sh
# The unitsync dev container Feature, run as root while the image is built. Options arrive as
# environment variables (VERSION, SOURCE, SCRIPTS), the dev container's user as _REMOTE_USER.
# It installs /usr/local/bin/unitsync with the release's own install.sh (which checks the binary
# against SHA256SUMS) and puts the entrypoint in place that starts the agent with the container.
set -eu

version=${VERSION:-0.1.0}
source=${SOURCE:-}
scripts=${SCRIPTS:-/etc/unitsync.d}
user=${_REMOTE_USER:-root}
here=$(cd "$(dirname "$0")" && pwd)
share=/usr/local/share/unitsync

say() {
  printf 'unitsync feature: %s\n' "$*" >&2
}

die() {
  say "error: $*"
  exit 1
}

case $scripts in
  /*) ;;
  *) die "scripts must be an absolute path, not \"$scripts\"" ;;
esac
case $scripts$user in
  *"'"*) die "scripts and the remote user may not contain a single quote" ;;
esac

if [ -z "$source" ]; then
  if [ -f "$here/release/SHA256SUMS" ]; then
    source=$here/release # an offline copy, bundled with the Feature
  else
    source=https://github.com/unitsync/unitsync/releases/download/v$version
  fi
fi

# The release's install.sh: read from the folder, or downloaded (installing curl on an image that
# has neither curl nor wget, as slim and minbase images do not).
case $source in
  http://* | https://*)
    if ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then
      say "installing curl to download the release"
      if command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null
      elif command -v apk >/dev/null 2>&1; then
        apk add --no-cache curl ca-certificates >/dev/null
      elif command -v dnf >/dev/null 2>&1; then
        dnf install -y -q curl ca-certificates >/dev/null
      else
        die "downloading $source needs curl or wget, and no package manager was found to install one"
      fi
    fi
    installer=$(mktemp)
    trap 'rm -f "$installer"' EXIT
    if command -v curl >/dev/null 2>&1; then
      curl -fsSL --retry 3 -o "$installer" "$source/install.sh" || die "could not download $source/install.sh"
    else
      wget -q -O "$installer" "$source/install.sh" || die "could not download $source/install.sh"
    fi
    ;;
  *)
    [ -f "$source/install.sh" ] || die "$source has no install.sh (a release folder holds install.sh, SHA256SUMS and the binaries)"
    installer=$source/install.sh
    ;;
esac
# The musl binary links libstdc++, which Alpine does not ship by default.
if command -v apk >/dev/null 2>&1; then apk add --no-cache libstdc++ >/dev/null; fi
sh "$installer" --from "$source" --prefix /usr/local

mkdir -p "$share"
cp "$here/entrypoint.sh" "$share/entrypoint.sh"
chmod 755 "$share/entrypoint.sh"
cat >"$share/feature.env" <<ENV
# Written by the unitsync Feature's install.sh: read by entrypoint.sh at container start.
unitsync_scripts='$scripts'
unitsync_user='$user'
ENV
say "installed $(/usr/local/bin/unitsync --version) (agent at container start, as $user, running $scripts)"
