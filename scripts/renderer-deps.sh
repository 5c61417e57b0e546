#!/usr/bin/env bash
# Installs the web pages' npm packages (three and mqtt for the renderer, uplot for the web console) exactly as pinned in host/Rig.Renderer/web/package-lock.json.
# The build embeds three.module.js, three.core.js, mqtt's browser bundle and uPlot from node_modules into Rig.Renderer, so
# the pages are served by the rig process itself (labs are often offline: no CDN). Skips npm when the pinned versions are there.
set -euo pipefail
web="$(cd "$(dirname "$0")/.." && pwd)/host/Rig.Renderer/web"

installed() { # prints the installed version of package $1, or nothing
  node -e "try{process.stdout.write(require('$web/node_modules/$1/package.json').version)}catch{}" 2>/dev/null || true
}
pinned() { # prints the version package-lock.json pins for package $1
  node -e "process.stdout.write(require('$web/package-lock.json').packages['node_modules/$1'].version)"
}

if [[ "$(installed three)" == "$(pinned three)" && "$(installed mqtt)" == "$(pinned mqtt)" && "$(installed uplot)" == "$(pinned uplot)" ]]; then
  exit 0
fi
echo "== installing the web pages' npm packages (npm ci in host/Rig.Renderer/web)"
(cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
