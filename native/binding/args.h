// Argument helpers shared by the N-API entry points (binding.cc, io.cc, topics.cc): plain N-API calls,
// one napi_get_typedarray_info per typed-array argument.
#ifndef QWS_BINDING_ARGS_H
#define QWS_BINDING_ARGS_H

#include <node_api.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>

namespace qws {
namespace binding {

// Throws a TypeError; returns nullptr for the entry point to return.
inline napi_value Throw(napi_env env, const char* msg) {
  napi_throw_type_error(env, nullptr, msg);
  return nullptr;
}

inline napi_value Int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

// True when `v` is a typed array of type `want`; gives its data and element count.
inline bool Typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* len) {
  napi_typedarray_type type;
  return napi_get_typedarray_info(env, v, &type, len, data, nullptr, nullptr) == napi_ok && type == want;
}

// True when the call has at least N arguments; they are in argv.
template <size_t N>
bool Args(napi_env env, napi_callback_info cbinfo, napi_value (&argv)[N]) {
  size_t argc = N;
  return napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr) == napi_ok && argc >= N;
}

// A connection, listener or topic id (an unsigned 32-bit number).
inline bool Id(napi_env env, napi_value v, uint32_t* id) { return napi_get_value_uint32(env, v, id) == napi_ok; }

// Elements [0, n) of the JS array `array` as buffers for a write; false when one is not a Uint8Array.
inline bool Buffers(napi_env env, napi_value array, uint32_t n, uv_buf_t* out) {
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    void* data;
    size_t len;
    if (napi_get_element(env, array, i, &item) != napi_ok || !Typed(env, item, napi_uint8_array, &data, &len)) return false;
    out[i] = uv_buf_init(static_cast<char*>(data), static_cast<unsigned>(len));
  }
  return true;
}

// An entry point and the name it is exported under.
struct NamedFunction {
  const char* name;
  napi_callback cb;
};

// Exports each function of `fns` under its name.
template <size_t N>
void Register(napi_env env, napi_value exports, const NamedFunction (&fns)[N]) {
  for (const NamedFunction& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
}

}  // namespace binding
}  // namespace qws

#endif
