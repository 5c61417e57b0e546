#!/usr/bin/env bash
# Runs every test of the project, on a fresh machine too: installs what the tests need first.
#   ./scripts/test.sh            all tests
#   ./scripts/test.sh --no-install   skip the dependency check (offline machines that already have them)
# Exit code: 0 when every test passed, non-zero otherwise. The last line is "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--no-install" ]]; then
  ./scripts/install-deps.sh
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== building Rig.sln"
dotnet build Rig.sln -c Debug -nologo -clp:ErrorsOnly

echo "== running every test project"
set +e
dotnet test --solution Rig.sln --no-build -c Debug 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The Microsoft.Testing.Platform summary block ends with "total: / failed: / succeeded: / skipped:" lines.
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
if [[ -z "$passed" || -z "$failed" ]]; then
  echo "tests: could not find the test summary (exit code $status)"
  exit $(( status == 0 ? 1 : status ))
fi
if [[ "$passed" == "0" ]]; then
  echo "tests: no test ran"
  exit 1
fi
echo "tests: ${passed} passed, ${failed} failed, ${skipped:-0} skipped"
exit "$status"
