// N-API wrapper over native/io/topics: argument checks only.
#include <uv.h>

#include <vector>

#include "../core/constants.h"
#include "../io/topics.h"
#include "args.h"
#include "io.h"

namespace qws {
namespace binding {

namespace {

napi_ref share_table = nullptr;

// ioShareTable(table: Uint32Array): the share table (IO_SHARE_WORDS words per connection id)
napi_value IoShareTable(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[1];
  void* data;
  size_t len;
  if (!Args(env, cbinfo, argv) || !Typed(env, argv[0], napi_uint32_array, &data, &len)) {
    return Throw(env, "ioShareTable(table): a Uint32Array");
  }
  // held here: C++ writes into it between calls
  if (share_table != nullptr) napi_delete_reference(env, share_table);
  napi_create_reference(env, argv[0], 1, &share_table);
  io::set_share_table(static_cast<uint32_t*>(data), len);
  return nullptr;
}

napi_value IoTopicNew(napi_env env, napi_callback_info) { return Int(env, io::topic_new()); }

napi_value IoTopicFree(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[1];
  uint32_t t;
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &t)) return Throw(env, "ioTopicFree(topic): bad arguments");
  return Int(env, io::topic_free(t));
}

// ioTopicAdd(topic, id) / ioTopicRemove(topic, id): 1 changed, 0 not, or -errno
template <int (*F)(uint32_t, uint32_t)>
napi_value OnTopicAndId(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  uint32_t t, id;
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &t) || !Id(env, argv[1], &id)) return Throw(env, "expected a topic id and a connection id");
  return Int(env, F(t, id));
}

// A walk's common arguments — frames: Uint8Array[], fallback: Uint32Array — at argv[2], argv[3]
// (argv[0], argv[1]: the walk's own ids), handed to `walk(bufs, nbufs, ids, cap, &n)`; returns
// what it returns, fallback[0] = how many connections were left to JS, their ids in fallback[1..]
template <typename F>
napi_value WalkCall(napi_env env, napi_value (&argv)[4], const char* usage, F walk) {
  uint32_t nframes;
  void* fallback;
  size_t fallback_len;
  bool is_array = false;
  if (napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[2], &nframes) != napi_ok ||
      nframes == 0 || !Typed(env, argv[3], napi_uint32_array, &fallback, &fallback_len) || fallback_len == 0) {
    return Throw(env, usage);
  }
  // (on the stack for all but very long messages; not static: a walk can run inside another's events)
  uv_buf_t stack[IO_MAX_IOV];
  std::vector<uv_buf_t> heap;
  if (nframes > IO_MAX_IOV) heap.resize(nframes);
  uv_buf_t* bufs = nframes > IO_MAX_IOV ? heap.data() : stack;
  if (!Buffers(env, argv[2], nframes, bufs)) return Throw(env, "frames must be Uint8Arrays");
  uint32_t* out = static_cast<uint32_t*>(fallback);
  size_t n = 0;
  const int64_t r = walk(bufs, nframes, out + 1, fallback_len - 1, &n);
  out[0] = static_cast<uint32_t>(n);
  return Int(env, r);
}

// ioPublish(topic, except, frames, fallback): members it was collected for, or -errno
napi_value IoPublish(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[4];
  uint32_t t, except;
  const char* usage = "ioPublish(topic, except, frames, fallback): bad arguments";
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &t) || !Id(env, argv[1], &except)) return Throw(env, usage);
  return WalkCall(env, argv, usage, [t, except](const uv_buf_t* bufs, unsigned n, uint32_t* ids, size_t cap, size_t* left) {
    return io::publish(t, except, bufs, n, ids, cap, left);
  });
}

// ioBroadcast(tag, 0, frames, fallback): connections of server `tag` it was collected for, or -errno
napi_value IoBroadcast(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[4];
  uint32_t tag;
  const char* usage = "ioBroadcast(tag, 0, frames, fallback): bad arguments";
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &tag)) return Throw(env, usage);
  return WalkCall(env, argv, usage, [tag](const uv_buf_t* bufs, unsigned n, uint32_t* ids, size_t cap, size_t* left) {
    return io::broadcast(tag, bufs, n, ids, cap, left);
  });
}

napi_value IoFlushCollected(napi_env, napi_callback_info) {
  io::flush_collected();
  return nullptr;
}

}  // namespace

void InitTopics(napi_env env, napi_value exports) {
  const NamedFunction fns[] = {{"ioShareTable", IoShareTable},
             {"ioTopicNew", IoTopicNew},
             {"ioTopicFree", IoTopicFree},
             {"ioTopicAdd", OnTopicAndId<io::topic_add>},
             {"ioTopicRemove", OnTopicAndId<io::topic_remove>},
             {"ioPublish", IoPublish},
             {"ioBroadcast", IoBroadcast},
             {"ioFlushCollected", IoFlushCollected}};
  Register(env, exports, fns);
}

}  // namespace binding
}  // namespace qws
