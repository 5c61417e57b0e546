#!/usr/bin/env bash
# Runs every test of the project, on a fresh machine too: installs what the tests need first.
#   ./scripts/test.sh            all tests
#   ./scripts/test.sh --no-install   skip the dependency check (offline machines that already have them)
# The .NET test projects (Rig.sln) and the native capture core's CTest suite (firmware/native, built with
# -Wall -Wextra -Werror and AddressSanitizer/UBSan; RIG_NATIVE_SANITIZE=OFF builds without the sanitizers).
# Exit code: 0 when every test passed, non-zero otherwise. The last line is "N passed, N failed" over both.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--no-install" ]]; then
  ./scripts/install-deps.sh
fi

log=$(mktemp)
failures=$(mktemp)
trap 'rm -f "$log" "$failures"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== building Rig.sln"
dotnet build Rig.sln -c Debug -nologo -clp:ErrorsOnly

echo "== running every test project"
set +e
# One test module at a time: the fault and end-to-end tests run real processes against real time on 2 cores, and a second
# module's load beside them stretched a virtual rig's reconnect or a lockstep session past what the tests allow (seen
# here: a device still silent 20 s after an 8 s blackhole ended, a pretrained virtual mouse with no reward in two days).
dotnet test --solution Rig.sln --no-build -c Debug --max-parallel-test-modules 1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The Microsoft.Testing.Platform summary block ends with "total: / failed: / succeeded: / skipped:" lines.
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
# The failed tests' names with the first lines of why, kept for the end of the output (CI shows only its tail).
grep -E -A6 '^failed ' "$log" | cut -c1-300 >"$failures" || true
if [[ -z "$passed" || -z "$failed" ]]; then
  echo "tests: could not find the test summary (exit code $status)"
  exit $(( status == 0 ? 1 : status ))
fi

# The native capture core: portable C, GoogleTest, one CTest test per case and per shared vector
# (tests/vectors/capture). The build lives under firmware/native/obj, which .gitignore already covers.
native_build=firmware/native/obj/host
echo "== building and running the native capture tests (CMake/CTest)"
set +e
cmake -S firmware/native -B "$native_build" -DRIG_SANITIZE="${RIG_NATIVE_SANITIZE:-ON}" >"$log" 2>&1 \
  && cmake --build "$native_build" -j "$(nproc)" >>"$log" 2>&1
native_build_status=$?
if (( native_build_status != 0 )); then
  cat "$log"
  echo "tests: the native capture tests did not build (exit code $native_build_status)"
  exit "$native_build_status"
fi
ctest --test-dir "$native_build" --output-on-failure -j "$(nproc)" 2>&1 | tee "$log"
native_status=${PIPESTATUS[0]}
set -e
# CTest ends with "NN% tests passed, F tests failed out of T".
native_summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
if [[ -z "$native_summary" ]]; then
  echo "tests: could not find the CTest summary (exit code $native_status)"
  exit $(( native_status == 0 ? 1 : native_status ))
fi
native_failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$native_summary")
native_total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$native_summary")
native_passed=$(( native_total - native_failed ))
if [[ -s "$failures" ]]; then
  echo "== failed .NET tests (names and the start of each failure; the whole output is above):"
  cat "$failures"
fi
echo "== .NET: ${passed} passed, ${failed} failed, ${skipped:-0} skipped; native (CTest): ${native_passed} passed, ${native_failed} failed"

passed=$(( passed + native_passed ))
failed=$(( failed + native_failed ))
if [[ "$passed" == "0" ]]; then
  echo "tests: no test ran"
  exit 1
fi
if (( status == 0 && native_status != 0 )); then
  status=$native_status
fi
echo "tests: ${passed} passed, ${failed} failed, ${skipped:-0} skipped"
exit "$status"
