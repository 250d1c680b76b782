// Argument helpers shared by the N-API entry points (binding.cc, io.cc): plain N-API calls,
// one napi_get_typedarray_info per typed-array argument.
#ifndef QWS_BINDING_ARGS_H
#define QWS_BINDING_ARGS_H

#include <node_api.h>

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

}  // namespace binding
}  // namespace qws

#endif
