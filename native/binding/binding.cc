// N-API wrapper over native/core: argument checks only. Built with C++ exceptions disabled:
// a bad argument throws a JS TypeError.
#include <napi.h>

#include "../core/constants.h"
#include "../core/decoder.h"
#include "../core/mask.h"
#include "../core/sha1.h"
#include "../core/utf8.h"
#include "args.h"
#include "io.h"

namespace {

Napi::Value LayoutVersion(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), qws::RECORD_LAYOUT_VERSION);
}

Napi::Value Simd(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), qws::simd_name());
}

// The per-chunk and per-frame entry points use the plain N-API calls directly: one
// napi_get_typedarray_info per argument gives type, length and data together (node-addon-api's
// wrappers would make several calls per argument, which costs more than masking 1 KiB).

using qws::binding::Throw;

bool Bytes(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  return qws::binding::Typed(env, v, napi_uint8_array, reinterpret_cast<void**>(data), len);
}

bool Words(napi_env env, napi_value v, uint32_t** data, size_t* len) {
  return qws::binding::Typed(env, v, napi_uint32_array, reinterpret_cast<void**>(data), len);
}

napi_value Uint(napi_env env, uint32_t v) {
  napi_value out;
  napi_create_uint32(env, v, &out);
  return out;
}

// decode(state: Uint8Array(256), chunk: Uint8Array, offset: number, records: Uint32Array): number
napi_value Decode(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  uint8_t *state, *chunk;
  uint32_t* records;
  size_t state_len, chunk_len, rec_len;
  double off;
  if (argc < 4 || !Bytes(env, argv[0], &state, &state_len) || !Bytes(env, argv[1], &chunk, &chunk_len) ||
      napi_get_value_double(env, argv[2], &off) != napi_ok || !Words(env, argv[3], &records, &rec_len)) {
    return Throw(env, "decode(state, chunk, offset, records): bad arguments");
  }
  if (state_len < qws::STATE_BYTES) return Throw(env, "decode: state too short (see STATE_BYTES)");
  if (!(off >= 0) || off > static_cast<double>(chunk_len)) return Throw(env, "decode: offset out of range");
  return Uint(env, qws::decode(state, chunk, chunk_len, static_cast<size_t>(off), records, rec_len / qws::RECORD_STRIDE));
}

// mask(src, dst, dstOffset, key): dst[dstOffset..] = src ^ key
napi_value Mask(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  double off;
  uint32_t key;
  if (argc < 4 || !Bytes(env, argv[0], &src, &src_len) || !Bytes(env, argv[1], &dst, &dst_len) ||
      napi_get_value_double(env, argv[2], &off) != napi_ok || napi_get_value_uint32(env, argv[3], &key) != napi_ok) {
    return Throw(env, "mask(src, dst, dstOffset, key): bad arguments");
  }
  if (!(off >= 0) || off + static_cast<double>(src_len) > static_cast<double>(dst_len)) return Throw(env, "mask: destination too small");
  qws::mask_copy(src, dst + static_cast<size_t>(off), src_len, key);
  return nullptr;
}

// unmask(buf, key): in place, phase 0
napi_value Unmask(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  uint8_t* buf;
  size_t len;
  uint32_t key;
  if (argc < 2 || !Bytes(env, argv[0], &buf, &len) || napi_get_value_uint32(env, argv[1], &key) != napi_ok) {
    return Throw(env, "unmask(buf, key): bad arguments");
  }
  qws::unmask_inplace(buf, len, key, 0);
  return nullptr;
}

// utf8Step(state, buf, start, end): new state or 0xffffffff
napi_value Utf8Step(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  uint32_t st;
  uint8_t* buf;
  size_t len;
  double start, end;
  if (argc < 4 || napi_get_value_uint32(env, argv[0], &st) != napi_ok || !Bytes(env, argv[1], &buf, &len) ||
      napi_get_value_double(env, argv[2], &start) != napi_ok || napi_get_value_double(env, argv[3], &end) != napi_ok) {
    return Throw(env, "utf8Step(state, buf, start, end): bad arguments");
  }
  if (!(start >= 0) || !(end >= start) || end > static_cast<double>(len)) return Throw(env, "utf8Step: range out of bounds");
  return Uint(env, qws::utf8_step(st, buf + static_cast<size_t>(start), static_cast<size_t>(end - start)));
}

napi_value IsValidUtf8(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  uint8_t* buf;
  size_t len;
  if (argc < 1 || !Bytes(env, argv[0], &buf, &len)) return Throw(env, "isValidUtf8(buf): bad arguments");
  napi_value out;
  napi_get_boolean(env, qws::utf8_step(0, buf, len) == 0, &out);
  return out;
}

// acceptKey(key: string): Sec-WebSocket-Accept for the key's UTF-8 bytes (a key of fewer than
// ACCEPT_KEY_BYTES of them; the caller hashes longer ones itself). Exported only where the CPU
// has the SHA extensions (see core/sha1.h).
constexpr size_t ACCEPT_KEY_BYTES = 256;
napi_value AcceptKey(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  char key[ACCEPT_KEY_BYTES];
  size_t len;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], key, sizeof key, &len) != napi_ok || len + 1 >= sizeof key) {
    return Throw(env, "acceptKey(key): a string of fewer than 255 UTF-8 bytes");
  }
  char accept[qws::WS_ACCEPT_CHARS];
  qws::ws_accept(reinterpret_cast<const uint8_t*>(key), len, accept);
  napi_value out;
  napi_create_string_latin1(env, accept, sizeof accept, &out);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("layoutVersion", Napi::Function::New(env, LayoutVersion, "layoutVersion"));
  exports.Set("simd", Napi::Function::New(env, Simd, "simd"));
  const struct {
    const char* name;
    napi_callback cb;
  } raw[] = {{"decode", Decode}, {"mask", Mask}, {"unmask", Unmask}, {"utf8Step", Utf8Step}, {"isValidUtf8", IsValidUtf8}, {"acceptKey", AcceptKey}};
  for (const auto& f : raw) {
    if (f.cb == AcceptKey && !qws::ws_accept_available()) continue;
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
    exports.Set(f.name, Napi::Value(env, fn));
  }
  qws::binding::InitIo(env, exports);
  qws::binding::InitTopics(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(qwebsocket, Init)
