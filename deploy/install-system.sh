#!/usr/bin/env bash
# Installs the Debian packages listed in the given files (default: the probe's run-time list) that
# are missing. Used by the container image (run-time list) and by `npm test` / `npm run demo` set-up
# and CI (run-time and lab lists). Needs root; without root it lists what is missing and exits 0.
# VIGIE_APT_CA names the CA bundle of a TLS-inspecting proxy for an https mirror (the image build's
# secret); it is used when the file exists and is not empty.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lists=("$@")
[ ${#lists[@]} -eq 0 ] && lists=("$here/system-packages.txt")
wanted=()
for list in "${lists[@]}"; do
  mapfile -t -O "${#wanted[@]}" wanted < <(grep -vE '^\s*(#|$)' "$list")
done
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-system: not root; missing Debian packages: ${missing[*]}" >&2
  exit 0
fi
echo "install-system: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt_opts=()
[ -s "${VIGIE_APT_CA:-}" ] && apt_opts+=(-o "Acquire::https::CAInfo=$VIGIE_APT_CA")
apt-get "${apt_opts[@]}" update -qq
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
