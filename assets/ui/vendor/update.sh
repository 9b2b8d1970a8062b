#!/usr/bin/env bash
# Installs the UI's third-party packages (package.json, exact versions) from
# the npm registry into a scratch folder, then copies the files the UI loads,
# with each package's licence, into assets/ui/vendor/<package>/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$work/"
[ -f "$here/package-lock.json" ] && cp "$here/package-lock.json" "$work/"
(cd "$work" && npm install --no-audit --no-fund --loglevel=error)
cp "$work/package-lock.json" "$here/"
copy() { # package, then the files to take from it
  local pkg="$1"; shift
  local to="$here/${pkg#@}"
  rm -rf "$to"; mkdir -p "$to"
  for f in "$@"; do cp "$work/node_modules/$pkg/$f" "$to/"; done
  cp "$work/node_modules/$pkg"/LICEN[CS]E* "$to/"
}
copy @svg-maps/mexico index.js
copy d3-array dist/d3-array.min.js
copy d3-path dist/d3-path.min.js
copy d3-shape dist/d3-shape.min.js
copy d3-sankey dist/d3-sankey.min.js
copy graphology dist/graphology.umd.min.js
copy graphology-library dist/graphology-library.min.js
copy sigma dist/sigma.min.js
echo "vendored into $here:"; (cd "$here" && find . -type f ! -name update.sh ! -name 'package*.json' | sort)
