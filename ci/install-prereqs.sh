#!/usr/bin/env bash
# The one list of Debian packages the harness needs, and the one place that installs them.
# Usage: ci/install-prereqs.sh [--check]
#   --check   only report what is missing (exit 1 if anything is), install nothing.
# As root, missing packages are installed with apt-get (saying which); otherwise the exact
# command to run is printed and the script exits non-zero.
set -euo pipefail

# package -> a command or file that proves it is installed
declare -A PROBE=(
  [gcc]="cmd:gcc"
  [cmake]="cmd:cmake"
  [make]="cmd:make"
  [gcc-arm-none-eabi]="cmd:arm-none-eabi-gcc"
  [libnewlib-arm-none-eabi]="file:/usr/lib/arm-none-eabi/newlib/libc.a"
  [qemu-system-arm]="cmd:qemu-system-arm"
  [socat]="cmd:socat"
  [mosquitto]="cmd:mosquitto"
  [mosquitto-clients]="cmd:mosquitto_pub"
  [sox]="cmd:sox"
  [postgresql]="cmd:pg_ctlcluster"
  [chromium]="cmd:chromium"
)
ORDER=(gcc cmake make gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm socat mosquitto mosquitto-clients sox postgresql chromium)

missing=()
for pkg in "${ORDER[@]}"; do
  probe=${PROBE[$pkg]}
  case $probe in
    cmd:*)  command -v "${probe#cmd:}" >/dev/null 2>&1 || missing+=("$pkg") ;;
    file:*) [ -e "${probe#file:}" ] || missing+=("$pkg") ;;
  esac
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "missing Debian packages: ${missing[*]}"
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "hil: missing Debian packages: ${missing[*]}" >&2
  echo "hil: install them with:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "hil: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; update once when the first install fails.
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/hil-apt.log 2>&1; then
  echo "hil: refreshing package lists (apt-get update)"
  apt-get update >>/tmp/hil-apt.log 2>&1 || { echo "hil: apt-get update failed; see /tmp/hil-apt.log" >&2; exit 1; }
  apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/hil-apt.log 2>&1 \
    || { tail -20 /tmp/hil-apt.log >&2; echo "hil: apt-get install failed; see /tmp/hil-apt.log" >&2; exit 1; }
fi
echo "hil: installed ${missing[*]}"
