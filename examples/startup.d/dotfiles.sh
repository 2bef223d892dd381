#!/bin/sh
# Install the user's dotfiles (simulated). Independent of everything else: runs at once.
set -eu
ws="${EXAMPLE_WORKSPACE:-${TMPDIR:-/tmp}/unitsync-example}"
mkdir -p "$ws/home"
echo "linking dotfiles into $ws/home"
sleep 0.1
printf 'export EDITOR=vim\n' >"$ws/home/.bashrc"
printf '[user]\n\tname = Example\n' >"$ws/home/.gitconfig"
echo "linked .bashrc .gitconfig"
