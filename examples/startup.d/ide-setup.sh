#!/bin/sh
# unitsync: unit=myorg.ide-setup
# unitsync: want=git-clone,dotfiles
# unitsync: want=toolchain
#
# Configure the IDE once the code, the dotfiles and the toolchain are in place. The header names
# the unit "myorg.ide-setup" (the spec's <module>.<name> style) instead of the file name.
set -eu
ws="${EXAMPLE_WORKSPACE:-${TMPDIR:-/tmp}/unitsync-example}"
mkdir -p "$ws/app/.vscode"
echo "writing IDE settings"
sleep 0.1
printf '{ "nodejs.path": "%s" }\n' "$ws/toolchain/bin/node" >"$ws/app/.vscode/settings.json"
echo "IDE ready"
