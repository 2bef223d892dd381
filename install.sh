#!/bin/sh
# Installs unitsync from a release: a directory or URL holding unitsync-<os>-<arch>[-musl] binaries
# and their SHA256SUMS (what `npm run release` writes to dist/release/v<version>/). POSIX sh, for
# cloud-init and Dockerfiles:
#   sh install.sh --from https://example.com/unitsync/v0.1.0
#   UNITSYNC_FROM=/mnt/release sh install.sh --prefix "$HOME/.local"
# It reads SHA256SUMS first and stops there when the installed binary already matches; otherwise it
# downloads the binary for this machine, checks its SHA-256 and that it runs, then moves it into
# place with a rename, so running it twice (or while unitsync runs) is safe.
set -eu

TARGETS="linux-x64 linux-arm64 linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64"

usage() {
  cat <<EOF
Usage: install.sh [--from URL|DIR] [--prefix DIR] [--target NAME] [--print-target]

Installs unitsync to PREFIX/bin/unitsync from a release directory or URL that holds
unitsync-<target> binaries and SHA256SUMS, after checking the binary's SHA-256.

  --from URL|DIR   where the release is (env UNITSYNC_FROM); http(s):// and file:// URLs
                   are downloaded with curl or wget
  --prefix DIR     install into DIR/bin (env UNITSYNC_PREFIX; default /usr/local)
  --target NAME    install this target instead of the detected one (env UNITSYNC_TARGET;
                   empty there means detect), e.g. to fill an image for another machine;
                   the binary is then not run
  --print-target   print the target detected for this machine and exit
  -h, --help       show this help

Targets: $TARGETS
EOF
}

die() {
  printf 'install.sh: error: %s\n' "$*" >&2
  exit 1
}

usage_error() {
  printf 'install.sh: error: %s\n' "$*" >&2
  printf 'see "sh install.sh --help"\n' >&2
  exit 2
}

say() {
  printf 'install.sh: %s\n' "$*" >&2
}

# The release target of this machine, from uname and the C library it runs.
detect_target() {
  case $(uname -s) in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "unsupported operating system: $(uname -s) (unitsync is released for Linux and macOS)" ;;
  esac
  case $(uname -m) in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported architecture: $(uname -m) (unitsync is released for x86_64 and arm64)" ;;
  esac
  # A shell under Rosetta says x86_64 on an Apple silicon Mac: the native binary is the better pick.
  if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n hw.optional.arm64 2>/dev/null || true)" = 1 ]; then
    arch=arm64
  fi
  libc=
  if [ "$os" = linux ] && is_musl; then libc=-musl; fi
  echo "$os-$arch$libc"
}

# Whether this system runs musl: what its ldd says (musl's names itself; glibc's says GLIBC or GNU
# libc), else whether its own /bin/sh names the musl loader of this architecture as its interpreter.
# A musl loader on disk proves nothing: Debian's musl package installs one beside glibc.
is_musl() {
  case $(ldd --version 2>&1 || true) in
    *musl*) return 0 ;;
    *GLIBC* | *"GNU libc"* | *"GNU C Library"*) return 1 ;;
  esac
  case $arch in
    x64) loader=ld-musl-x86_64 ;;
    *) loader=ld-musl-aarch64 ;;
  esac
  grep -q "/lib/$loader" /bin/sh 2>/dev/null
}

is_url() {
  case $1 in
    http://* | https://* | file://*) return 0 ;;
    *) return 1 ;;
  esac
}

# fetch NAME DEST: copies or downloads one file of the release.
fetch() {
  if is_url "$from"; then
    url="${from%/}/$1"
    if command -v curl >/dev/null 2>&1; then
      curl -fsSL --retry 3 -o "$2" "$url" || die "could not download $url"
    elif command -v wget >/dev/null 2>&1; then
      wget -q -O "$2" "$url" || die "could not download $url"
    else
      die "downloading from $from needs curl or wget; install one, or pass a local directory with --from"
    fi
  else
    [ -d "$from" ] || die "--from $from: not a directory, nor an http(s):// or file:// URL"
    [ -f "$from/$1" ] || die "$from has no $1 (a release directory holds unitsync-<target> files and SHA256SUMS, as 'npm run release' writes to dist/release/v<version>/)"
    cp "$from/$1" "$2" || die "could not copy $from/$1"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print $1 }'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{ print $1 }'
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | awk '{ print $1 }'
  else
    die "checking the download needs sha256sum, shasum or openssl"
  fi
}

# "not writable", and what to do about it: root can only be told why.
not_writable() {
  if [ "$(id -u)" = 0 ]; then
    die "cannot write to $bindir: not writable ($1)"
  fi
  die "cannot write to $bindir: not writable by $(id -un 2>/dev/null || id -u) ($1); run as root, or choose another --prefix such as \$HOME/.local"
}

# The last line a failed command printed, without its "cp: " or "mkdir: " prefix.
reason() {
  printf '%s\n' "$1" | tail -n 1 | sed 's/^[a-z]*: //'
}

from=${UNITSYNC_FROM:-}
prefix=${UNITSYNC_PREFIX:-/usr/local}
target=${UNITSYNC_TARGET:-}
set_target() {
  [ -n "$1" ] || usage_error "--target is empty; choose from: $TARGETS (or leave it out to detect this machine's)"
  target=$1
}
while [ $# -gt 0 ]; do
  case $1 in
    --from | --prefix | --target)
      [ $# -ge 2 ] || usage_error "$1 needs a value"
      case $1 in
        --from) from=$2 ;;
        --prefix) prefix=$2 ;;
        --target) set_target "$2" ;;
      esac
      shift 2
      ;;
    --from=*) from=${1#*=}; shift ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --target=*) set_target "${1#*=}"; shift ;;
    --print-target) detect_target; exit 0 ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

if [ -z "$target" ]; then
  detected=$(detect_target)
  target=$detected
else
  # Filling an image for another machine may happen where no target is released (e.g. FreeBSD).
  detected=$(detect_target 2>/dev/null) || detected=unknown
fi
case " $TARGETS " in
  *" $target "*) ;;
  *) usage_error "unknown target \"$target\"; choose from: $TARGETS" ;;
esac
[ -n "$from" ] || usage_error "say where the release is: --from URL|DIR (or UNITSYNC_FROM)"
[ -n "$prefix" ] || usage_error "--prefix is empty"

binary=unitsync-$target
tmp=$(mktemp -d 2>/dev/null || mktemp -d -t unitsync) || die "could not create a temporary directory"
staged=
trap 'rm -rf "$tmp"; [ -z "$staged" ] || rm -f "$staged"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# SHA256SUMS first: it is small, and it says whether the installed binary is already this one, so
# a repeated run (every boot, every image rebuild) downloads nothing big.
fetch SHA256SUMS "$tmp/SHA256SUMS"
# sha256sum's format: "<hex>  <name>", or "<hex> *<name>" for binary mode.
expected=$(awk -v name="$binary" '$2 == name || $2 == "*" name { print tolower($1); exit }' "$tmp/SHA256SUMS")
[ -n "$expected" ] || die "SHA256SUMS from $from has no line for $binary"

bindir=$prefix/bin
dest=$bindir/unitsync
if [ -f "$dest" ] && [ "$(sha256_of "$dest")" = "$expected" ]; then
  version=
  if [ "$target" = "$detected" ]; then version=$("$dest" --version 2>/dev/null || true); fi
  say "unitsync ${version:+$version }($target) is already installed at $dest"
  exit 0
fi

if [ "$target" != "$detected" ]; then
  case ":$PATH:" in
    *":$bindir:"*) say "warning: $binary is for another machine (this one is $detected): $dest, on PATH here, will not run on this machine" ;;
  esac
fi

say "installing $binary from $from"
fetch "$binary" "$tmp/$binary"
actual=$(sha256_of "$tmp/$binary")
[ "$actual" = "$expected" ] ||
  die "checksum mismatch for $binary: SHA256SUMS says $expected, the file has $actual; nothing was installed"
chmod 755 "$tmp/$binary"

version=
if [ "$target" = "$detected" ]; then
  if ! version=$("$tmp/$binary" --version 2>/dev/null); then
    hint=
    case $target in *-musl) hint=" (on Alpine, the binary needs libstdc++: apk add libstdc++)" ;; esac
    die "$binary does not run on this machine$hint; nothing was installed"
  fi
fi

err=$(mkdir -p "$bindir" 2>&1) || not_writable "$(reason "$err")"
# Copy beside the destination, then rename: the rename is atomic, so a script running unitsync
# meanwhile sees either the old binary or the new one, never half of one.
staged=$bindir/.unitsync.$$.tmp
err=$(cp "$tmp/$binary" "$staged" 2>&1) || not_writable "$(reason "$err")"
chmod 755 "$staged"
mv -f "$staged" "$dest" || die "could not move the binary into $dest"
staged=
say "installed unitsync ${version:+$version }($target) to $dest"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) say "note: $bindir is not on PATH; add it, or call $dest" ;;
esac
