#!/usr/bin/env bash
# Builds uWebSockets.js from source as a bench-only contender (never a dependency of the library,
# never part of `npm test`). It checks out pinned commits from local bare git mirrors, compiles the
# addon without TLS (-DLIBUS_NO_SSL) and without QUIC (lsquic is not built; quic_stub.c supplies the
# us_quic_* symbols that the H3App template references), against the headers of the Node that runs
# the bench, and leaves  bench/uws/vendor/dist/{uws.js,uws_<platform>_<arch>_<abi>.node}.
#
#   bench/uws/build.sh [MIRROR_ROOT]
#
# MIRROR_ROOT (or $UWS_MIRROR_ROOT, default /work/.mirror) holds the bare mirrors as
# <owner>+<name>/repo; single mirrors can be given with $UWS_JS_GIT, $UWS_GIT, $USOCKETS_GIT.
# $NODE (default: `node` on PATH) picks the Node whose headers and ABI the addon targets;
# $NODE_INCLUDE overrides where its headers are (default <node prefix>/include/node).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mirrors="${1:-${UWS_MIRROR_ROOT:-/work/.mirror}}"
UWS_JS_GIT="${UWS_JS_GIT:-$mirrors/jimmyolo+uWebSockets.js/repo}"
UWS_GIT="${UWS_GIT:-$mirrors/uNetworking+uWebSockets/repo}"
USOCKETS_GIT="${USOCKETS_GIT:-$mirrors/uNetworking+uSockets/repo}"
# the pins: uWebSockets.js 5a4ed0c records uWebSockets 8dd7fcb, which records uSockets 86097c4
UWS_JS_COMMIT=5a4ed0c
UWS_COMMIT=8dd7fcb
USOCKETS_COMMIT=86097c4

NODE="${NODE:-node}"
node_bin="$(command -v "$NODE")"
NODE_INCLUDE="${NODE_INCLUDE:-$(dirname "$(dirname "$(readlink -f "$node_bin")")")/include/node}"
[ -f "$NODE_INCLUDE/node.h" ] || { echo "no node.h in $NODE_INCLUDE (set NODE_INCLUDE)" >&2; exit 1; }
abi="$("$NODE" -p process.versions.modules)"
platform="$("$NODE" -p process.platform)"
arch="$("$NODE" -p process.arch)"

for g in "$UWS_JS_GIT" "$UWS_GIT" "$USOCKETS_GIT"; do
  git --git-dir="$g" rev-parse -q --verify HEAD >/dev/null || { echo "not a git mirror: $g" >&2; exit 1; }
done
# the submodule pins recorded in the parents must be the commits we build
pinned() { git --git-dir="$1" rev-parse "$2:$3"; }
full() { git --git-dir="$1" rev-parse --verify "$2^{commit}"; }
[ "$(pinned "$UWS_JS_GIT" "$UWS_JS_COMMIT" uWebSockets)" = "$(full "$UWS_GIT" "$UWS_COMMIT")" ] || { echo "uWebSockets.js $UWS_JS_COMMIT does not pin uWebSockets $UWS_COMMIT" >&2; exit 1; }
[ "$(pinned "$UWS_GIT" "$UWS_COMMIT" uSockets)" = "$(full "$USOCKETS_GIT" "$USOCKETS_COMMIT")" ] || { echo "uWebSockets $UWS_COMMIT does not pin uSockets $USOCKETS_COMMIT" >&2; exit 1; }

src="$here/vendor/src"
rm -rf "$src" && mkdir -p "$src/uWebSockets/uSockets" "$here/vendor/dist"
git --git-dir="$UWS_JS_GIT" archive "$UWS_JS_COMMIT" src | tar -x -C "$src"
git --git-dir="$UWS_GIT" archive "$UWS_COMMIT" src | tar -x -C "$src/uWebSockets"
git --git-dir="$USOCKETS_GIT" archive "$USOCKETS_COMMIT" src | tar -x -C "$src/uWebSockets/uSockets"

# Node's header tarball has no v8-fast-api-calls.h (upstream's build.c downloads one from Node's
# source tree). The addon includes it only for a fast-call variant of WebSocket.send that it
# builds but never registers (the argument is commented out upstream), so drop that unused code;
# what the addon does is unchanged. Fail if the upstream text moved.
ww="$src/src/WebSocketWrapper.h"
perl -0pi -e 's/#include "v8-fast-api-calls.h"\n//; s{// Version A: Handles Strings.*?(?=    template <bool SSL>\n    static Local<Object> init)}{}s; s/ *static v8::CFunction fast_send = [^\n]*\n//' "$ww"
if grep -q -E 'fast-api-calls|CFunction|Fast[A-Za-z]*String' "$ww"; then echo "could not drop the fast-call code from $ww" >&2; exit 1; fi

obj="$here/vendor/obj"
rm -rf "$obj" && mkdir -p "$obj"
us="$src/uWebSockets/uSockets/src"
CC="${CC:-gcc}"
CXX="${CXX:-g++}"
OPT="-O3 -flto=auto -fPIC -pthread -DWIN32_LEAN_AND_MEAN -DLIBUS_USE_LIBUV -DLIBUS_NO_SSL -I$us -I$NODE_INCLUDE"
jobs=()
# uSockets without LIBUS_USE_QUIC: quic.c compiles to nothing, the stub stands in for it
for f in "$us"/*.c "$us"/eventing/*.c "$us"/crypto/*.c; do
  "$CC" $OPT -c "$f" -o "$obj/$(basename "$f" .c).o" & jobs+=($!)
done
"$CC" $OPT -DLIBUS_USE_QUIC -c "$here/quic_stub.c" -o "$obj/quic_stub.o" & jobs+=($!)
# the addon sees the QUIC declarations (Http3App.h needs them) but links against the stub
"$CXX" $OPT -std=c++20 -DUWS_WITH_PROXY -DUWS_REMOTE_ADDRESS_USERSPACE -DLIBUS_USE_QUIC -I"$src/uWebSockets/src" \
  -c "$src/src/addon.cpp" -o "$obj/addon.o" & jobs+=($!)
"$CXX" $OPT -std=c++20 -c "$us/crypto/sni_tree.cpp" -o "$obj/sni_tree.o" & jobs+=($!)
for j in "${jobs[@]}"; do wait "$j"; done
out="$here/vendor/dist/uws_${platform}_${arch}_${abi}.node"
"$CXX" -O3 -flto=auto -pthread -shared -static-libstdc++ -static-libgcc "$obj"/*.o -o "$out" -s
# every us_* symbol must be defined here (only Node's own N-API/V8/libuv symbols stay open)
if nm -D --undefined-only "$out" | grep -E ' (us_|uws_)'; then echo "undefined uSockets symbols above" >&2; exit 1; fi
git --git-dir="$UWS_JS_GIT" show "$UWS_JS_COMMIT:src/uws.js" > "$here/vendor/dist/uws.js"
# load it in this Node: an addon that links but cannot load is no contender
"$NODE" -e "const u = require('$here/vendor/dist/uws.js'); if (typeof u.App !== 'function') throw new Error('no App');"
echo "built $out"
