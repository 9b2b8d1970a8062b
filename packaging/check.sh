#!/usr/bin/env bash
# Checks the packages packaging/build.sh wrote: metadata and contents
# (dpkg-deb, rpm), lintian with no errors, then installs the .deb into a
# throwaway root and runs the installed binary against the test site.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/packages
# No "| head" or "| grep -q" here: with pipefail, a reader that stops early
# kills the writer with SIGPIPE and the script exits 141 (it did in CI).
debs=("$out"/renec-harvester_*.deb)
rpms=("$out"/renec-harvester-*.rpm)
deb=${debs[0]}
rpm=${rpms[0]}
[[ -f $deb && -f $rpm ]] || { echo "error: no .deb or .rpm in $out: run packaging/build.sh first" >&2; exit 1; }

need=()
command -v lintian >/dev/null || need+=(lintian)
command -v rpm >/dev/null || need+=(rpm)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== dpkg-deb -I / -c"
dpkg-deb -I "$deb"
dpkg-deb -c "$deb" | tee "$out/deb-contents.txt"
for path in ./usr/bin/renec-harvester ./etc/renec-harvester/config.toml ./etc/default/renec-harvester \
            ./usr/share/man/man1/renec-harvester.1.gz ./usr/share/doc/renec-harvester/operations.md; do
  grep -q " $path\$" "$out/deb-contents.txt" || { echo "error: $path missing from the .deb" >&2; exit 1; }
done
grep -q "renec-harvester.service" "$out/deb-contents.txt" || { echo "error: the unit is missing from the .deb" >&2; exit 1; }
dpkg-deb -e "$deb" "$out/control"
grep -q "/etc/renec-harvester/config.toml" "$out/control/conffiles" || { echo "error: config.toml is not a conffile" >&2; exit 1; }

echo "== lintian (no errors)"
lintian --fail-on error "$deb"

echo "== rpm -qip / -qlp"
rpm -qip "$rpm"
rpm -qlp "$rpm" | tee "$out/rpm-contents.txt"
grep -q "^/usr/bin/renec-harvester$" "$out/rpm-contents.txt"
rpm -qp --configfiles "$rpm" >"$out/rpm-configfiles.txt"
grep -q "/etc/renec-harvester/config.toml" "$out/rpm-configfiles.txt" || { echo "error: config.toml is not a config file in the .rpm" >&2; exit 1; }

echo "== the installed binary, from a throwaway root, against the test site"
root=$(mktemp -d)
dpkg -x "$deb" "$root"
bin="$root/usr/bin/renec-harvester"
"$bin" --version
data=$(mktemp -d)
"$bin" testsite --scale 1 --bind 127.0.0.1:18765 >/dev/null 2>&1 &
site=$!
trap 'kill $site 2>/dev/null || true; rm -rf "$root" "$data"' EXIT
sleep 1
RENEC_SOURCE_URL=http://127.0.0.1:18765 RENEC_DATA_DIR="$data" DOWNLOAD_DELAY=0 \
  "$bin" --config "$root/etc/renec-harvester/config.toml" harvest --no-progress
RENEC_DATA_DIR="$data" "$bin" --config "$root/etc/renec-harvester/config.toml" stats --json | tee "$out/installed-stats.json"
grep -q '"estandares_vigentes": 100' "$out/installed-stats.json"
echo "packages OK"
