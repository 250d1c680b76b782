// N-API wrapper over native/io: argument checks, and the Sink that turns transport events into
// one JS call each (through napi_make_callback, so nextTick and promise queues run after it as
// they do after Node's own socket callbacks).
#include "io.h"

#include <uv.h>

#include <cstring>

#include "../core/constants.h"
#include "../io/transport.h"
#include "args.h"

namespace qws {
namespace binding {

namespace {

class JsSink final : public io::Sink {
 public:
  napi_env env = nullptr;
  napi_ref callback = nullptr;
  napi_ref keep_read = nullptr;
  napi_ref keep_records = nullptr;
  napi_ref keep_keep = nullptr;
  napi_ref receiver = nullptr;  // make_callback needs an object as `this`
  napi_async_context context = nullptr;

  void event(uint32_t kind, uint32_t id, uint32_t a, uint32_t b) override {
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value fn, recv, argv[4], result;
    napi_get_reference_value(env, callback, &fn);
    napi_get_reference_value(env, receiver, &recv);
    const uint32_t args[4] = {kind, id, a, b};
    for (int i = 0; i < 4; i++) napi_create_uint32(env, args[i], &argv[i]);
    if (napi_make_callback(env, context, recv, fn, 4, argv, &result) == napi_pending_exception) {
      // an exception from a handler: reported as Node reports one from a socket callback
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
    napi_close_handle_scope(env, scope);
  }
};

JsSink sink;

// ioInit(readBuffer: Uint8Array, records: Uint32Array, keep: Uint32Array(1), onEvent): 0 or -errno
napi_value IoInit(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[4];
  void *read, *records, *keep;
  size_t read_len, rec_len, keep_len;
  napi_valuetype t;
  if (!Args(env, cbinfo, argv) || !Typed(env, argv[0], napi_uint8_array, &read, &read_len) ||
      !Typed(env, argv[1], napi_uint32_array, &records, &rec_len) || !Typed(env, argv[2], napi_uint32_array, &keep, &keep_len) ||
      keep_len < IO_KEEP_WORDS || napi_typeof(env, argv[3], &t) != napi_ok || t != napi_function) {
    return Throw(env, "ioInit(readBuffer, records, keep, onEvent): bad arguments");
  }
  if (sink.env != nullptr) return Int(env, sink.env == env ? 0 : UV_EBUSY);
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return Int(env, UV_EINVAL);
  const io::Shared shared{static_cast<uint8_t*>(read), read_len, static_cast<uint32_t*>(records), rec_len / RECORD_STRIDE,
                          static_cast<uint32_t*>(keep), keep_len};
  const int r = io::init(loop, shared, &sink);
  if (r < 0) return Int(env, r);
  sink.env = env;
  napi_create_reference(env, argv[0], 1, &sink.keep_read);
  napi_create_reference(env, argv[1], 1, &sink.keep_records);
  napi_create_reference(env, argv[2], 1, &sink.keep_keep);
  napi_create_reference(env, argv[3], 1, &sink.callback);
  napi_value name, resource;
  napi_create_string_utf8(env, "qwebsocket:io", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &sink.receiver);
  napi_async_init(env, resource, name, &sink.context);
  return Int(env, 0);
}

// ioReadBuffer(buffer: Uint8Array): the next reads go into `buffer` (answer to SLAB)
napi_value IoReadBuffer(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[1];
  void* read;
  size_t len;
  if (!Args(env, cbinfo, argv) || !Typed(env, argv[0], napi_uint8_array, &read, &len) || len < IO_MIN_READ) {
    return Throw(env, "ioReadBuffer(buffer): a Uint8Array of at least IO_MIN_READ bytes");
  }
  if (sink.env != env) return Throw(env, "ioReadBuffer: the transport is not set up here");
  // the old buffer lives on as long as JS holds views of it
  napi_delete_reference(env, sink.keep_read);
  napi_create_reference(env, argv[0], 1, &sink.keep_read);
  io::set_read_buffer(static_cast<uint8_t*>(read), len);
  return nullptr;
}

// ioAdopt(fd, state: Uint8Array(256)): id or -errno
napi_value IoAdopt(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  int32_t fd;
  void* state;
  size_t len;
  if (!Args(env, cbinfo, argv) || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      !Typed(env, argv[1], napi_uint8_array, &state, &len) || len < STATE_BYTES) {
    return Throw(env, "ioAdopt(fd, state): bad arguments");
  }
  return Int(env, io::adopt(fd, static_cast<uint8_t*>(state)));
}

// ioWrite(id, buffers: Uint8Array | Uint8Array[]): bytes queued after it, or -errno
napi_value IoWrite(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  uint32_t id;
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &id)) return Throw(env, "ioWrite(id, buffers): bad arguments");
  uv_buf_t bufs[IO_MAX_IOV];
  bool is_array = false;
  napi_is_array(env, argv[1], &is_array);
  uint32_t count = 1;
  if (is_array) napi_get_array_length(env, argv[1], &count);
  uint32_t done = 0;
  int r = 0;
  while (done < count && r == 0) {
    unsigned n = 0;
    for (; n < IO_MAX_IOV && done + n < count; n++) {
      napi_value item = argv[1];
      if (is_array) napi_get_element(env, argv[1], done + n, &item);
      void* data;
      size_t len;
      if (!Typed(env, item, napi_uint8_array, &data, &len)) return Throw(env, "ioWrite: buffers must be Uint8Arrays");
      bufs[n] = uv_buf_init(static_cast<char*>(data), static_cast<unsigned>(len));
    }
    r = io::write(id, bufs, n);
    done += n;
  }
  return Int(env, r < 0 ? r : static_cast<int64_t>(io::queued(id)));
}

// ioWriteText(id, text: string): writes a string as UTF-8 (an HTTP response, as Node's
// socket.write(string) would) without a JS Buffer for it; bytes queued after it, or -errno
napi_value IoWriteText(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  uint32_t id;
  char text[IO_MAX_TEXT_WRITE];
  size_t len;
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &id) ||
      napi_get_value_string_utf8(env, argv[1], text, sizeof text, &len) != napi_ok || len + 1 >= sizeof text) {
    return Throw(env, "ioWriteText(id, text): a string of fewer than IO_MAX_TEXT_WRITE UTF-8 bytes");
  }
  uv_buf_t buf = uv_buf_init(text, static_cast<unsigned>(len));
  const int r = io::write(id, &buf, 1);
  return Int(env, r < 0 ? r : static_cast<int64_t>(io::queued(id)));
}

// ioWriteMany(ids: Uint32Array, counts: Uint32Array, count, frames: Uint8Array[], queued: Uint32Array):
// connections that took their frames; queued[i] = bytes left queued on ids[i]
napi_value IoWriteMany(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[5];
  void *ids, *counts, *queued;
  size_t ids_len, counts_len, queued_len;
  uint32_t count, nframes;
  bool is_array = false;
  if (!Args(env, cbinfo, argv) || !Typed(env, argv[0], napi_uint32_array, &ids, &ids_len) ||
      !Typed(env, argv[1], napi_uint32_array, &counts, &counts_len) || napi_get_value_uint32(env, argv[2], &count) != napi_ok ||
      count > ids_len || count > counts_len || napi_is_array(env, argv[3], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[3], &nframes) != napi_ok || nframes > IO_MAX_IOV ||
      !Typed(env, argv[4], napi_uint32_array, &queued, &queued_len) || queued_len < count) {
    return Throw(env, "ioWriteMany(ids, counts, count, frames, queued): bad arguments");
  }
  uv_buf_t bufs[IO_MAX_IOV];
  if (!Buffers(env, argv[3], nframes, bufs)) return Throw(env, "ioWriteMany: frames must be Uint8Arrays");
  return Int(env, io::write_many(static_cast<uint32_t*>(ids), static_cast<uint32_t*>(counts), count, bufs, nframes,
                                 static_cast<uint32_t*>(queued)));
}

// ioQueued(id) / ioEnd(id) / ioClose(id): one id argument each
template <int64_t (*F)(uint32_t)>
napi_value OnId(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[1];
  uint32_t id;
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &id)) return Throw(env, "expected a connection id");
  return Int(env, F(id));
}
int64_t Queued(uint32_t id) { return static_cast<int64_t>(io::queued(id)); }
int64_t End(uint32_t id) { return io::end(id); }
int64_t Close(uint32_t id) { return io::close(id); }
int64_t ListenClose(uint32_t lid) { return io::listen_close(lid); }
int64_t ListenFd(uint32_t lid) { return io::listen_fd(lid); }

// ioIdBound(): every open connection's id is below it
napi_value IoIdBound(napi_env env, napi_callback_info) { return Int(env, static_cast<int64_t>(io::id_bound())); }

// ioRead(id, on) / ioListenPause(lid, paused) / ioAddress(id, peer): an id and a boolean
template <napi_value (*F)(napi_env, uint32_t, bool)>
napi_value OnIdBool(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  uint32_t id;
  bool on;
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &id) || napi_get_value_bool(env, argv[1], &on) != napi_ok) {
    return Throw(env, "expected an id and a boolean");
  }
  return F(env, id, on);
}
napi_value SetReading(napi_env env, uint32_t id, bool on) { return Int(env, io::set_reading(id, on)); }
napi_value ListenPause(napi_env env, uint32_t lid, bool paused) { return Int(env, io::listen_pause(lid, paused)); }

// [address, port, family] of a socket address
napi_value AddressValue(napi_env env, const sockaddr_storage& ss) {
  char text[64] = {0};
  int port = 0;
  const char* family = "IPv4";
  if (ss.ss_family == AF_INET6) {
    const sockaddr_in6* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_ip6_name(a, text, sizeof text);
    port = ntohs(a->sin6_port);
    family = "IPv6";
  } else {
    const sockaddr_in* a = reinterpret_cast<const sockaddr_in*>(&ss);
    uv_ip4_name(a, text, sizeof text);
    port = ntohs(a->sin_port);
  }
  napi_value out, v;
  napi_create_array_with_length(env, 3, &out);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  napi_set_element(env, out, 0, v);
  napi_set_element(env, out, 1, Int(env, port));
  napi_create_string_utf8(env, family, NAPI_AUTO_LENGTH, &v);
  napi_set_element(env, out, 2, v);
  return out;
}

napi_value Null(napi_env env) {
  napi_value out;
  napi_get_null(env, &out);
  return out;
}

// ioAddress(id, peer: boolean): [address, port, family] or null
napi_value Address(napi_env env, uint32_t id, bool peer) {
  sockaddr_storage ss;
  return io::address(id, peer, &ss) != 0 ? Null(env) : AddressValue(env, ss);
}

// ioListen(ip: string, port, handshakeMs): listener id or -errno ('' listens on every address)
napi_value IoListen(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[3];
  char ip[64];
  size_t ip_len;
  uint32_t port, ms;
  if (!Args(env, cbinfo, argv) || napi_get_value_string_utf8(env, argv[0], ip, sizeof ip, &ip_len) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535 || napi_get_value_uint32(env, argv[2], &ms) != napi_ok) {
    return Throw(env, "ioListen(ip, port, handshakeMs): bad arguments");
  }
  sockaddr_storage ss;
  int r;
  if (ip_len == 0) r = uv_ip6_addr("::", static_cast<int>(port), reinterpret_cast<sockaddr_in6*>(&ss));
  else if (std::memchr(ip, ':', ip_len) != nullptr) r = uv_ip6_addr(ip, static_cast<int>(port), reinterpret_cast<sockaddr_in6*>(&ss));
  else r = uv_ip4_addr(ip, static_cast<int>(port), reinterpret_cast<sockaddr_in*>(&ss));
  if (r < 0) return Int(env, r);
  return Int(env, io::listen(reinterpret_cast<sockaddr*>(&ss), ms, 511));
}

// ioListenAddress(lid): [address, port, family] or null
napi_value IoListenAddress(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[1];
  uint32_t lid;
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &lid)) return Throw(env, "ioListenAddress(lid): bad arguments");
  sockaddr_storage ss;
  return io::listen_address(lid, &ss) != 0 ? Null(env) : AddressValue(env, ss);
}

// ioListenTimeout(lid, ms): 0 or -errno
napi_value IoListenTimeout(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  uint32_t lid, ms;
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &lid) || napi_get_value_uint32(env, argv[1], &ms) != napi_ok) {
    return Throw(env, "ioListenTimeout(lid, ms): bad arguments");
  }
  return Int(env, io::listen_timeout(lid, ms));
}

// ioUpgrade(id, state: Uint8Array(256)): 0 or -errno
napi_value IoUpgrade(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  uint32_t id;
  void* state;
  size_t len;
  if (!Args(env, cbinfo, argv) || !Id(env, argv[0], &id) || !Typed(env, argv[1], napi_uint8_array, &state, &len) || len < STATE_BYTES) {
    return Throw(env, "ioUpgrade(id, state): bad arguments");
  }
  return Int(env, io::upgrade(id, static_cast<uint8_t*>(state)));
}

napi_value IoApiVersion(napi_env env, napi_callback_info) { return Int(env, IO_API_VERSION); }

napi_value IoSupported(napi_env env, napi_callback_info) {
  napi_value out;
  napi_get_boolean(env, io::supported(), &out);
  return out;
}

}  // namespace

void InitIo(napi_env env, napi_value exports) {
  const NamedFunction fns[] = {{"ioApiVersion", IoApiVersion}, {"ioSupported", IoSupported}, {"ioInit", IoInit}, {"ioReadBuffer", IoReadBuffer},         {"ioAdopt", IoAdopt},         {"ioWrite", IoWrite},
             {"ioWriteMany", IoWriteMany}, {"ioQueued", OnId<Queued>}, {"ioEnd", OnId<End>},         {"ioClose", OnId<Close>},
             {"ioRead", OnIdBool<SetReading>},           {"ioAddress", OnIdBool<Address>},     {"ioListen", IoListen},
             {"ioListenAddress", IoListenAddress}, {"ioListenPause", OnIdBool<ListenPause>}, {"ioListenTimeout", IoListenTimeout},
             {"ioListenClose", OnId<ListenClose>}, {"ioUpgrade", IoUpgrade},
             {"ioIdBound", IoIdBound}, {"ioListenFd", OnId<ListenFd>}, {"ioWriteText", IoWriteText}};
  Register(env, exports, fns);
}

}  // namespace binding
}  // namespace qws
