// See transport.h. The connections: adopted from Node (adopt) or accepted by a listener
// (listener.cc, through new_conn), read, decoded, written and closed here.
#include "transport.h"

#include <cstdlib>
#include <cstring>

#ifndef _WIN32
#include <fcntl.h>
#include <unistd.h>
#endif

#include "../core/constants.h"
#include "../core/decoder.h"
#include "conn.h"

namespace qws {
namespace io {

namespace detail {

Transport g;

Conn* new_conn() {
  Conn* c = static_cast<Conn*>(std::calloc(1, sizeof(Conn)));
  if (c == nullptr) return nullptr;
  if (uv_tcp_init(g.loop, &c->tcp) != 0) {
    std::free(c);
    return nullptr;
  }
  uint32_t id;
  if (!g.free_ids.empty()) {
    id = g.free_ids.back();
    g.free_ids.pop_back();
  } else {
    id = static_cast<uint32_t>(g.slots.size());
    g.slots.push_back(nullptr);
  }
  c->id = id;
  c->tcp.data = c;
  g.slots[id] = c;
  c->flags = F_PAUSED;  // reading starts with start_reading / set_reading(true)
  return c;
}

namespace {
void on_close_unopened(uv_handle_t* h) { std::free(h->data); }
}  // namespace

void drop_new_conn(Conn* c) {
  g.slots[c->id] = nullptr;
  g.free_ids.push_back(c->id);
  // an initialized handle is registered with the loop: it must be closed, not just freed
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_close_unopened);
}

}  // namespace detail

using namespace detail;

namespace {

// A queued remainder: header and bytes in one allocation, freed by its write callback.
struct Pending {
  uv_write_t req;
  Conn* conn;
  size_t len;
  uint8_t data[1];
};

void on_close(uv_handle_t* h);

}  // namespace

Conn* detail::find(uint32_t id) {
  if (id >= g.slots.size()) return nullptr;
  Conn* c = g.slots[id];
  return (c == nullptr || (c->flags & F_CLOSING) != 0) ? nullptr : c;
}

void detail::close_conn(Conn* c) {
  if (c->flags & F_CLOSING) return;
  c->flags |= F_CLOSING;
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_close);
}

namespace {

uint32_t phase(const Conn* c) {
  uint32_t v;
  std::memcpy(&v, c->state + 4 * STATE_PHASE, 4);
  return v;
}

uint32_t resume(const Conn* c) {
  uint32_t v;
  std::memcpy(&v, c->state + 4 * STATE_RESUME, 4);
  return v;
}

// Ends `c`'s reservation (its read came, or it will read no more); the region is not reused.
void release(Conn* c) {
  const uint32_t i = c->reservation - 1u;
  c->reservation = 0;
  const uint32_t last = --g.reservation_count;
  if (i == last) return;
  g.reservations[i] = g.reservations[last];
  g.reservations[i].conn->reservation = static_cast<uint8_t>(i + 1);
}

void on_close(uv_handle_t* h) {
  Conn* c = static_cast<Conn*>(h->data);
  const uint32_t id = c->id;
  handshake_unlink(c);
  if (c->reservation != 0) release(c);
  topics_closed(c);
  g.sink->event(IO_EVENT_CLOSED, id, (c->flags & F_HAD_ERROR) ? 1 : 0, 0);
  g.slots[id] = nullptr;
  g.free_ids.push_back(id);
  std::free(c->shutdown);
  std::free(c);
}


void fail(Conn* c, int err) {
  if (c->flags & F_CLOSING) return;
  c->flags |= F_HAD_ERROR;
  g.sink->event(IO_EVENT_ERROR, c->id, static_cast<uint32_t>(-err), 0);
  close_conn(c);
}

void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  const Conn* c = static_cast<const Conn*>(h->data);
  if (c->reservation != 0) {
    const Reservation& r = g.reservations[c->reservation - 1];
    buf->base = reinterpret_cast<char*>(g.shared.read + r.at);
    // nobody read after it: the rest of the buffer too, so one read still takes several messages
    buf->len = r.at + r.len == g.read_pos ? g.shared.read_len - r.at : r.len;
    return;
  }
  // JS answers SLAB with set_read_buffer; if it could not, the read fails with ENOBUFS rather
  // than overwrite bytes JS still holds
  if (g.shared.read_len - g.read_pos < IO_MIN_READ) g.sink->event(IO_EVENT_SLAB, 0, 0, 0);
  buf->base = reinterpret_cast<char*>(g.shared.read + g.read_pos);
  buf->len = g.shared.read_len - g.read_pos;
}

// Decodes everything one read brought (read buffer bytes [start, start + n)) and reports it:
// one BATCH per filled record array. Bytes after a close frame or a protocol error are dropped
// (the decoder is finished).
void deliver(Conn* c, size_t start, size_t n) {
  if (c->state == nullptr) {
    // the HTTP request of an accepted connection, for the TS handshake (keep[1]: its listener)
    g.shared.keep[1] = listener_id(c);
    g.sink->event(IO_EVENT_RAW, c->id, static_cast<uint32_t>(start), static_cast<uint32_t>(n));
    return;
  }
  const size_t end = start + n;
  size_t off = start;
  while (off < end && (c->flags & F_CLOSING) == 0 && phase(c) < STATE_PHASE_CLOSED) {
    const uint32_t count = decode(c->state, g.shared.read, end, off, g.shared.records, g.shared.record_capacity);
    const size_t next = resume(c);
    if (count > 0) g.sink->event(IO_EVENT_BATCH, c->id, count, static_cast<uint32_t>(next - off));
    if (next <= off && count == 0) break;  // no progress: never spin
    off = next;
  }
}

// After a read of `c` that ended at `end`: JS holds views of the read buffer (keep[0]) — nothing
// before `end` may be read over — and maybe the start of a frame whose `rest` more bytes are
// to come (keep[IO_KEEP_RESERVE]), for which the room after `end` is kept if there is some.
void keep_after_read(Conn* c, size_t end) {
  uint32_t* keep = g.shared.keep;
  const size_t rest = keep[IO_KEEP_RESERVE];
  const bool held = keep[0] != 0;
  keep[0] = 0;
  keep[IO_KEEP_RESERVE] = 0;
  // (a read into a reservation ends before read_pos: it never moves back)
  if (held && end > g.read_pos) g.read_pos = end;
  if (!held || rest == 0 || (c->flags & F_CLOSING) != 0 || rest > g.shared.read_len - end || end + rest > UINT32_MAX ||
      g.reservation_count == IO_MAX_RESERVATIONS) {
    return;
  }
  const uint32_t i = g.reservation_count++;
  g.reservations[i] = Reservation{c, static_cast<uint32_t>(end), static_cast<uint32_t>(rest)};
  c->reservation = static_cast<uint8_t>(i + 1);
  if (end + rest > g.read_pos) g.read_pos = end + rest;
}

void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  Conn* c = static_cast<Conn*>(s->data);
  if (c->flags & F_CLOSING) return;
  // the reservation was this read's room (or, on EOF or an error, is of no more use)
  if (nread != 0 && c->reservation != 0) release(c);
  if (nread > 0) {
    const size_t start = static_cast<size_t>(reinterpret_cast<uint8_t*>(buf->base) - g.shared.read);
    deliver(c, start, static_cast<size_t>(nread));
    keep_after_read(c, start + static_cast<size_t>(nread));
    return;
  }
  if (nread == 0) return;
  if (nread == UV_EOF) {
    uv_read_stop(s);
    c->flags |= F_EOF;
    g.sink->event(IO_EVENT_EOF, c->id, 0, 0);
    // done both ways; or a listener's connection whose client ended before its handshake was
    // answered (still in the handshake list, nothing ended by us): it can never be, so it does
    // not wait for its handshake deadline
    if ((c->flags & F_SHUT_DONE) != 0 || (c->listener != nullptr && (c->flags & F_SHUT) == 0)) close_conn(c);
    return;
  }
  fail(c, static_cast<int>(nread));
}

void on_write(uv_write_t* req, int status) {
  Pending* p = static_cast<Pending*>(req->data);
  Conn* c = p->conn;
  const size_t len = p->len;
  std::free(p);
  if (status == UV_ECANCELED || (c->flags & F_CLOSING) != 0) return;
  if (status < 0) {
    fail(c, status);
    return;
  }
  c->async_bytes += static_cast<uint32_t>(len);
  if (uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&c->tcp)) == 0) {
    const uint32_t bytes = c->async_bytes;
    c->async_bytes = 0;
    g.sink->event(IO_EVENT_DRAIN, c->id, bytes, 0);
  }
}

void on_shutdown(uv_shutdown_t* req, int status) {
  Conn* c = static_cast<Conn*>(req->data);
  if (status == UV_ECANCELED || (c->flags & F_CLOSING) != 0) return;
  c->flags |= F_SHUT_DONE;
  // the peer has ended too, or the FIN could not be sent: nothing more can happen on it
  if (status < 0 || (c->flags & F_EOF) != 0) close_conn(c);
}

// Queues bytes the kernel did not take: everything of bufs after the first `skip` bytes.
int queue_rest(Conn* c, const uv_buf_t* bufs, unsigned count, size_t skip, size_t total) {
  const size_t rest = total - skip;
  Pending* p = static_cast<Pending*>(std::malloc(offsetof(Pending, data) + rest));
  if (p == nullptr) return UV_ENOMEM;
  p->conn = c;
  p->len = rest;
  p->req.data = p;
  uint8_t* out = p->data;
  for (unsigned i = 0; i < count; i++) {
    size_t len = bufs[i].len;
    const char* base = bufs[i].base;
    if (skip >= len) {
      skip -= len;
      continue;
    }
    base += skip;
    len -= skip;
    skip = 0;
    std::memcpy(out, base, len);
    out += len;
  }
  uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(p->data), static_cast<unsigned>(rest));
  const int r = uv_write(&p->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1, on_write);
  if (r < 0) std::free(p);
  return r;
}

}  // namespace

int detail::write_conn(Conn* c, const uv_buf_t* bufs, unsigned count) {
  if (c->flags & F_SHUT) return UV_EPIPE;
  size_t total = 0;
  for (unsigned i = 0; i < count; i++) total += bufs[i].len;
  if (total == 0) return 0;
  // uv_try_write refuses (EAGAIN) while earlier bytes are queued, which keeps the order
  const int r = uv_try_write(reinterpret_cast<uv_stream_t*>(&c->tcp), bufs, count);
  if (r < 0 && r != UV_EAGAIN) {
    fail(c, r);
    return r;
  }
  const size_t done = r > 0 ? static_cast<size_t>(r) : 0;
  if (done == total) return 0;
  const int q = queue_rest(c, bufs, count, done, total);
  if (q < 0) fail(c, q);
  return q;
}

#ifdef _WIN32
bool supported() { return false; }
#else
bool supported() { return true; }
#endif

int init(uv_loop_t* loop, const Shared& shared, Sink* sink) {
  if (g.loop != nullptr) return g.loop == loop ? 0 : UV_EBUSY;
  if (shared.read_len < IO_MIN_READ || shared.record_capacity == 0 || shared.keep == nullptr || shared.keep_len < IO_KEEP_WORDS) return UV_EINVAL;
  g.loop = loop;
  g.shared = shared;
  g.sink = sink;
  return 0;
}

void set_read_buffer(uint8_t* read, size_t len) {
  g.shared.read = read;
  g.shared.read_len = len;
  g.read_pos = 0;
  // reservations are room in the old buffer: the pieces before them are copied out in JS
  for (uint32_t i = 0; i < g.reservation_count; i++) g.reservations[i].conn->reservation = 0;
  g.reservation_count = 0;
}

int adopt(int fd, uint8_t* state) {
#ifdef _WIN32
  (void)fd;
  (void)state;
  return UV_ENOTSUP;
#else
  if (g.loop == nullptr) return UV_EINVAL;
  // our own descriptor: Node closes its copy, the socket stays open through this one
  const int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return uv_translate_sys_error(errno);
  Conn* c = new_conn();
  if (c == nullptr) {
    ::close(own);
    return UV_ENOMEM;
  }
  const int r = uv_tcp_open(&c->tcp, own);
  if (r < 0) {
    ::close(own);
    drop_new_conn(c);
    return r;
  }
  c->state = state;
  uv_tcp_nodelay(&c->tcp, 1);
  return static_cast<int>(c->id);
#endif
}

int write(uint32_t id, const uv_buf_t* bufs, unsigned count) {
  Conn* c = find(id);
  return c == nullptr ? UV_EBADF : write_conn(c, bufs, count);
}

size_t queued(uint32_t id) {
  Conn* c = find(id);
  return c == nullptr ? 0 : uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&c->tcp));
}

int end(uint32_t id) {
  Conn* c = find(id);
  if (c == nullptr) return UV_EBADF;
  if (c->flags & F_SHUT) return 0;
  c->flags |= F_SHUT;
  c->shutdown = static_cast<uv_shutdown_t*>(std::malloc(sizeof(uv_shutdown_t)));
  if (c->shutdown == nullptr) {
    close_conn(c);
    return UV_ENOMEM;
  }
  c->shutdown->data = c;
  const int r = uv_shutdown(c->shutdown, reinterpret_cast<uv_stream_t*>(&c->tcp), on_shutdown);
  if (r < 0) close_conn(c);
  return r;
}

int close(uint32_t id) {
  Conn* c = find(id);
  if (c == nullptr) return UV_EBADF;
  close_conn(c);
  return 0;
}

int detail::start_reading(Conn* c) {
  c->flags &= static_cast<uint8_t>(~F_PAUSED);
  if (c->flags & F_EOF) return 0;
  const int r = uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read);
  return r == UV_EALREADY ? 0 : r;
}

int set_reading(uint32_t id, bool on) {
  Conn* c = find(id);
  if (c == nullptr) return UV_EBADF;
  if (on) return start_reading(c);
  c->flags |= F_PAUSED;
  return uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
}

size_t id_bound() { return g.slots.size(); }

int address(uint32_t id, bool peer, struct sockaddr_storage* out) {
  Conn* c = find(id);
  if (c == nullptr) return UV_EBADF;
  int len = sizeof(*out);
  return peer ? uv_tcp_getpeername(&c->tcp, reinterpret_cast<sockaddr*>(out), &len)
              : uv_tcp_getsockname(&c->tcp, reinterpret_cast<sockaddr*>(out), &len);
}

uint32_t write_many(const uint32_t* ids, const uint32_t* counts, size_t count, const uv_buf_t* bufs, unsigned nbufs,
                    uint32_t* queued_out) {
  uint32_t n = 0;
  for (size_t i = 0; i < count; i++) {
    Conn* c = find(ids[i]);
    queued_out[i] = 0;
    const unsigned k = counts[i] < nbufs ? counts[i] : nbufs;
    if (c == nullptr || write_conn(c, bufs, k) != 0) continue;
    n++;
    // a failed write closed the connection: find() no longer sees it
    if (find(ids[i]) != nullptr) queued_out[i] = static_cast<uint32_t>(uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&c->tcp)));
  }
  return n;
}

}  // namespace io
}  // namespace qws
