#!/usr/bin/env bash
# Builds the libFuzzer target over native/core with ASan+UBSan and runs it for SECONDS (default 60).
# Usage: npm run fuzz -- SECONDS
set -euo pipefail
secs="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found (apt-get install clang libclang-rt-14-dev); skipping"
  exit 0
fi
out="$here/fuzz_decoder"
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  "$here/fuzz_decoder.cc" "$here/../core/decoder.cc" "$here/../core/mask.cc" "$here/../core/utf8.cc" -o "$out"
mkdir -p "$here/corpus"
# seed corpus: a few valid frames for both sides
printf '\x01\x00\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58' > "$here/corpus/masked-hello"
printf '\x00\x00\x81\x05Hello\x89\x00\x88\x02\x03\xe8' > "$here/corpus/unmasked-hello-ping-close"
printf '\x03\x07\x01\x83\x01\x02\x03\x04\x62\x63\x64\x80\x82\x01\x02\x03\x04\x62\x63' > "$here/corpus/fragments"
"$out" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 "$here/corpus" 2>&1 | tail -n 15
