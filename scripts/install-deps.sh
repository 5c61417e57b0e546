#!/usr/bin/env bash
# Installs what building and testing Rig needs on a Debian machine that already has the .NET 10 SDK:
# Mosquitto (the real broker the integration tests run against). Idempotent; needs root for apt-get.
set -euo pipefail

need=()
command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || need+=(mosquitto)

if (( ${#need[@]} > 0 )); then
  echo "== installing ${need[*]} (Debian packages)"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi
