#!/usr/bin/env bash
# Prints the first file or folder under ROOT that is newer than STAMP, build outputs aside (build/, artifacts/,
# .git/, and every bin/, obj/ and node_modules/); prints nothing when there is none. A deleted file shows as its
# folder. ./hil skips the .NET build when this prints nothing for the stamp of the last successful build.
# Usage: ci/changed-since.sh ROOT STAMP
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 ROOT STAMP" >&2; exit 2; }
root=${1%/} stamp=$2
[ -d "$root" ] || { echo "changed-since: no folder $root" >&2; exit 2; }
[ -e "$stamp" ] || { echo "changed-since: no stamp file $stamp" >&2; exit 2; }
find "$root" \( -path "$root/build" -o -path "$root/artifacts" -o -path "$root/.git" -o -name bin -o -name obj \
  -o -name node_modules \) -prune -o -newer "$stamp" -print -quit
