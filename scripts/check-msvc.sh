#!/usr/bin/env bash
# Checks that native/core compiles as MSVC (cl.exe) sees it, without MSVC: clang parses each
# source for x86_64-pc-windows-msvc with _MSC_VER set and __clang__/__GNUC__ undefined, so the
# preprocessor takes the MSVC branches (no target attributes, CPUID/XGETBV from <intrin.h>). The
# AVX and SHA flags only stand in for MSVC's rule that any intrinsic compiles anywhere; no code is
# generated. There is no MSVC C++ library here, so <cstddef>, <cstdint> and <cstring> come from
# the three-line stand-ins below (the core uses nothing else of it).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang++ >/dev/null 2>&1; then
  echo "check-msvc: clang++ not found (apt-get install clang)" >&2
  exit 1
fi
shim="$(mktemp -d)"
trap 'rm -rf "$shim"' EXIT
printf '#include <stddef.h>\nnamespace std { using ::size_t; using ::ptrdiff_t; }\n' >"$shim/cstddef"
printf '#include <stdint.h>\nnamespace std { using ::uint8_t; using ::uint16_t; using ::uint32_t; using ::uint64_t; using ::int32_t; using ::int64_t; }\n' >"$shim/cstdint"
printf '#include <stddef.h>\nextern "C" void* memcpy(void*, const void*, size_t);\nextern "C" void* memset(void*, int, size_t);\nnamespace std { using ::memcpy; using ::memset; }\n' >"$shim/cstring"

flags=(--target=x86_64-pc-windows-msvc -fms-compatibility -fms-compatibility-version=19.30 -ffreestanding
  -U__clang__ -U__GNUC__ -mavx2 -mavx512f -mavx512bw -mxsave -msha -msse4.1 -std=c++17 -Werror -Wall -nostdinc++ -isystem "$shim")
for src in native/core/*.cc; do
  # the MSVC branch must be the one taken: no GCC attribute may survive preprocessing
  if clang++ "${flags[@]}" -E "$src" | grep -q '__attribute__((target'; then
    echo "check-msvc: $src keeps a GCC target attribute under _MSC_VER" >&2
    exit 1
  fi
  clang++ "${flags[@]}" -fsyntax-only "$src"
done
echo "check-msvc: native/core/*.cc parse as MSVC x64 code ($(ls native/core/*.cc | wc -l) files)"
