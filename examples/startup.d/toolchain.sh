#!/bin/sh
# unitsync: want=git-clone
#
# Install the language toolchain the repository asks for in .tool-versions, so it needs the clone.
set -eu
ws="${EXAMPLE_WORKSPACE:-${TMPDIR:-/tmp}/unitsync-example}"
version=$(sed -n 's/^node //p' "$ws/app/.tool-versions")
echo "installing node $version"
mkdir -p "$ws/toolchain/bin"
sleep 0.2
printf '#!/bin/sh\necho v%s\n' "$version" >"$ws/toolchain/bin/node"
chmod +x "$ws/toolchain/bin/node"
echo "node $("$ws/toolchain/bin/node") ready"
