#!/usr/bin/env bash
# Installs what building and testing Rig needs on a Debian machine that already has the .NET 10 SDK:
# Mosquitto (the real broker the integration tests run against), CMake, a C/C++ compiler, make and GoogleTest for the
# native capture core's CTest suite (firmware/native), Node.js and npm for the renderer page's pinned packages
# (scripts/renderer-deps.sh), and Chromium, the browser the renderer tests drive with Playwright (Playwright's own browser
# download is not used). Idempotent; needs root for apt-get.
set -euo pipefail

need=()
command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || need+=(mosquitto)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v python3 >/dev/null 2>&1 || need+=(python3) # hardware/schematics/generate.py, checked by tests/Rig.Hardware.Tests
# NumPy for tools/check_zhong2025.py, which loads the zhong2025 export in tests/Rig.Host.Tests (Export). A python3 on PATH
# from pyenv may not see it; the test then uses /usr/bin/python3 (or RIG_PYTHON).
/usr/bin/python3 -c "import numpy" >/dev/null 2>&1 || python3 -c "import numpy" >/dev/null 2>&1 || need+=(python3-numpy)
# h5py and hdmf for tools/validate_nwb.py and tools/check_nwb.py (the NWB export's schema validation and read-back in
# tests/Rig.Host.Tests), and hdf5-tools for h5dump, which the same tests run on every exported NWB file.
/usr/bin/python3 -c "import h5py" >/dev/null 2>&1 || need+=(python3-h5py)
/usr/bin/python3 -c "import hdmf" >/dev/null 2>&1 || need+=(python3-hdmf)
command -v h5dump >/dev/null 2>&1 || need+=(hdf5-tools)
# libgtest-dev ships the headers, the prebuilt libraries and GTestConfig.cmake that find_package(GTest) uses.
have_gtest() {
  [[ -f /usr/include/gtest/gtest.h ]] || return 1
  compgen -G "/usr/lib/*/cmake/GTest/GTestConfig.cmake" >/dev/null || compgen -G "/usr/lib/cmake/GTest/GTestConfig.cmake" >/dev/null
}
have_gtest || need+=(libgtest-dev)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[[ -x /usr/bin/chromium ]] || need+=(chromium)

if (( ${#need[@]} > 0 )); then
  echo "== installing ${need[*]} (Debian packages)"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

"$(dirname "$0")/renderer-deps.sh"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi
