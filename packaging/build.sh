#!/usr/bin/env bash
# Builds the fully static binary (x86_64-unknown-linux-musl, the `dist`
# profile: fat LTO, one codegen unit, stripped), then the .deb (cargo-deb) and the .rpm (cargo-generate-rpm),
# installing whatever is missing. Output: target/packages/.
#
#   packaging/build.sh            # binary, .deb and .rpm
#   packaging/build.sh --binary   # only the static binary
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-musl
out=target/packages
mkdir -p "$out"

if ! command -v musl-gcc >/dev/null || ! command -v file >/dev/null || ! command -v objdump >/dev/null; then
  echo "== installing musl-tools (ring, SQLite and zstd compile C), file and binutils (objdump)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools file binutils >/dev/null
fi
if ! grep -qx "$target" <<<"$(rustup target list --installed)"; then
  echo "== adding the $target target"
  rustup target add "$target"
fi

echo "== static release binary"
CC_x86_64_unknown_linux_musl=musl-gcc cargo build --profile dist --locked --target "$target" --bin renec-harvester
bin="target/$target/dist/renec-harvester"
file "$bin" | tee "$out/binary-file.txt"
if ! grep -q "statically linked\|static-pie linked" "$out/binary-file.txt"; then
  echo "error: $bin is not statically linked" >&2
  exit 1
fi
if grep -q "=>" <<<"$(ldd "$bin" 2>&1 || true)"; then
  echo "error: ldd lists shared libraries for $bin" >&2
  exit 1
fi
# The binary copies and compares memory with src/musl_mem.rs, not with
# musl's byte loops (a tenth of a harvest's CPU): musl's memcpy aligns its
# destination with `test $0x7,%edi`, which nothing else in the binary does.
if objdump -d --no-show-raw-insn "$bin" | grep -q 'test   \$0x7,%edi'; then
  echo "error: $bin links musl's memcpy; src/musl_mem.rs's memcpy/memmove did not take its place (see that file)" >&2
  exit 1
fi
size=$(stat -c %s "$bin")
echo "size: $size bytes ($(( size / 1024 / 1024 )) MiB)"
"$bin" --version

# Record the size in BENCHMARKS.md (the `binary` section).
section=$(printf '<!-- binary -->\n## Static binary\n\n`packaging/build.sh` — `%s`, the `dist` profile (fat LTO, one codegen unit), stripped, mimalloc; %s.\n\n| target | size |\n|---|---:|\n| %s | %s bytes (%.1f MiB) |\n\nTarget: under 25 MB.\n<!-- /binary -->' \
  "$(file -b "$bin" | cut -d, -f1-2,4)" "$(date -u +%F)" "$target" "$size" "$(awk -v s="$size" 'BEGIN { print s / 1048576 }')")
if grep -q '<!-- binary -->' BENCHMARKS.md; then
  awk -v repl="$section" '/<!-- binary -->/{print repl; skip=1} /<!-- \/binary -->/{skip=0; next} !skip' BENCHMARKS.md > BENCHMARKS.md.new
  mv BENCHMARKS.md.new BENCHMARKS.md
else
  printf '\n%s\n' "$section" >> BENCHMARKS.md
fi
[ "${1:-}" = "--binary" ] && exit 0

cp systemd/renec-harvester.service packaging/debian/renec-harvester.service
if ! command -v cargo-deb >/dev/null; then
  echo "== installing cargo-deb"
  cargo install --locked cargo-deb
fi
echo "== .deb"
cargo deb --no-build --profile dist --target "$target" --output "$out/"

if ! command -v cargo-generate-rpm >/dev/null; then
  echo "== installing cargo-generate-rpm"
  cargo install --locked cargo-generate-rpm
fi
echo "== .rpm"
cargo generate-rpm --profile dist --target "$target" --output "$out/"
ls -l "$out"
