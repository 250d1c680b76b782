// N-API wrapper over native/core: argument checks only. Built with C++ exceptions disabled:
// a bad argument throws a JS TypeError and returns undefined.
#include <napi.h>

#include "../core/constants.h"
#include "../core/decoder.h"
#include "../core/mask.h"
#include "../core/utf8.h"

namespace {

bool IsBytes(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
}

Napi::Value Fail(const Napi::CallbackInfo& info, const char* msg) {
  Napi::TypeError::New(info.Env(), msg).ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

Napi::Value LayoutVersion(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), qws::RECORD_LAYOUT_VERSION);
}

Napi::Value Simd(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), qws::simd_name());
}

// decode(state: Uint8Array(256), chunk: Uint8Array, offset: number, records: Uint32Array): number
Napi::Value Decode(const Napi::CallbackInfo& info) {
  if (info.Length() < 4 || !IsBytes(info[0]) || !IsBytes(info[1]) || !info[2].IsNumber() || !info[3].IsTypedArray()) {
    return Fail(info, "decode(state, chunk, offset, records): bad arguments");
  }
  auto state = info[0].As<Napi::Uint8Array>();
  auto chunk = info[1].As<Napi::Uint8Array>();
  auto recs = info[3].As<Napi::TypedArray>();
  if (state.ByteLength() < qws::STATE_BYTES) return Fail(info, "decode: state must be 256 bytes");
  if (recs.TypedArrayType() != napi_uint32_array) return Fail(info, "decode: records must be a Uint32Array");
  const double off = info[2].As<Napi::Number>().DoubleValue();
  if (!(off >= 0) || off > static_cast<double>(chunk.ElementLength())) return Fail(info, "decode: offset out of range");
  auto records = recs.As<Napi::Uint32Array>();
  const uint32_t n = qws::decode(state.Data(), chunk.Data(), chunk.ElementLength(), static_cast<size_t>(off), records.Data(),
                                 records.ElementLength() / qws::RECORD_STRIDE);
  return Napi::Number::New(info.Env(), n);
}

// mask(src, dst, dstOffset, key): dst[dstOffset..] = src ^ key
Napi::Value Mask(const Napi::CallbackInfo& info) {
  if (info.Length() < 4 || !IsBytes(info[0]) || !IsBytes(info[1]) || !info[2].IsNumber() || !info[3].IsNumber()) {
    return Fail(info, "mask(src, dst, dstOffset, key): bad arguments");
  }
  auto src = info[0].As<Napi::Uint8Array>();
  auto dst = info[1].As<Napi::Uint8Array>();
  const double off = info[2].As<Napi::Number>().DoubleValue();
  if (!(off >= 0) || off + static_cast<double>(src.ElementLength()) > static_cast<double>(dst.ElementLength())) {
    return Fail(info, "mask: destination too small");
  }
  const uint32_t key = info[3].As<Napi::Number>().Uint32Value();
  qws::mask_copy(src.Data(), dst.Data() + static_cast<size_t>(off), src.ElementLength(), key);
  return info.Env().Undefined();
}

// unmask(buf, key): in place, phase 0
Napi::Value Unmask(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || !IsBytes(info[0]) || !info[1].IsNumber()) return Fail(info, "unmask(buf, key): bad arguments");
  auto buf = info[0].As<Napi::Uint8Array>();
  qws::unmask_inplace(buf.Data(), buf.ElementLength(), info[1].As<Napi::Number>().Uint32Value(), 0);
  return info.Env().Undefined();
}

// utf8Step(state, buf, start, end): new state or 0xffffffff
Napi::Value Utf8Step(const Napi::CallbackInfo& info) {
  if (info.Length() < 4 || !info[0].IsNumber() || !IsBytes(info[1]) || !info[2].IsNumber() || !info[3].IsNumber()) {
    return Fail(info, "utf8Step(state, buf, start, end): bad arguments");
  }
  auto buf = info[1].As<Napi::Uint8Array>();
  const double start = info[2].As<Napi::Number>().DoubleValue();
  const double end = info[3].As<Napi::Number>().DoubleValue();
  if (!(start >= 0) || !(end >= start) || end > static_cast<double>(buf.ElementLength())) return Fail(info, "utf8Step: range out of bounds");
  const uint32_t st = qws::utf8_step(info[0].As<Napi::Number>().Uint32Value(), buf.Data() + static_cast<size_t>(start),
                                     static_cast<size_t>(end - start));
  return Napi::Number::New(info.Env(), st);
}

Napi::Value IsValidUtf8(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !IsBytes(info[0])) return Fail(info, "isValidUtf8(buf): bad arguments");
  auto buf = info[0].As<Napi::Uint8Array>();
  return Napi::Boolean::New(info.Env(), qws::utf8_step(0, buf.Data(), buf.ElementLength()) == 0);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("layoutVersion", Napi::Function::New(env, LayoutVersion, "layoutVersion"));
  exports.Set("simd", Napi::Function::New(env, Simd, "simd"));
  exports.Set("decode", Napi::Function::New(env, Decode, "decode"));
  exports.Set("mask", Napi::Function::New(env, Mask, "mask"));
  exports.Set("unmask", Napi::Function::New(env, Unmask, "unmask"));
  exports.Set("utf8Step", Napi::Function::New(env, Utf8Step, "utf8Step"));
  exports.Set("isValidUtf8", Napi::Function::New(env, IsValidUtf8, "isValidUtf8"));
  return exports;
}

}  // namespace

NODE_API_MODULE(qwebsocket, Init)
