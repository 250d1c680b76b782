// Listening sockets of the native transport (see transport.h, "listening"): libuv accepts, the
// accepted connection reads raw until the TS handshake upgrades it. Nothing calls JS on accept:
// the first RAW event is the first JS sees of a connection. Handshake deadlines are kept here,
// one timer per listener over a list of its handshaking connections in accept order (one timeout
// per listener, so the oldest is always first).
#include <cstdlib>

#include "../core/constants.h"
#include "conn.h"
#include "transport.h"

namespace qws {
namespace io {
namespace detail {

struct Listener {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uint32_t id;
  uint32_t handshake_ms;
  bool paused;
  bool waiting;  // a connection is ready in the backlog, not accepted (paused)
  bool closing;
  int open_handles;  // tcp and timer, until both close callbacks ran
  Conn* head;        // handshaking connections, oldest first
  Conn* tail;
};

namespace {

std::vector<Listener*> listeners;

Listener* find_listener(uint32_t lid) {
  if (lid >= listeners.size()) return nullptr;
  Listener* l = listeners[lid];
  return (l == nullptr || l->closing) ? nullptr : l;
}

void on_listener_handle_closed(uv_handle_t* h) {
  Listener* l = static_cast<Listener*>(h->data);
  if (--l->open_handles > 0) return;
  listeners[l->id] = nullptr;
  std::free(l);
}

void on_deadline(uv_timer_t* t);

void arm(Listener* l) {
  if (l->head == nullptr) {
    uv_timer_stop(&l->timer);
    return;
  }
  const uint64_t now = uv_now(g.loop);
  const uint64_t due = l->head->deadline > now ? l->head->deadline - now : 0;
  uv_timer_start(&l->timer, on_deadline, due, 0);
}

void on_deadline(uv_timer_t* t) {
  Listener* l = static_cast<Listener*>(t->data);
  const uint64_t now = uv_now(g.loop);
  while (l->head != nullptr && l->head->deadline <= now) {
    Conn* c = l->head;
    handshake_unlink(c);
    close_conn(c);
  }
  arm(l);
}

void accept_one(Listener* l) {
  Conn* c = new_conn();
  if (c == nullptr) {
    g.sink->event(IO_EVENT_LISTEN_ERROR, l->id, static_cast<uint32_t>(-UV_ENOMEM), 0);
    return;
  }
  const int r = uv_accept(reinterpret_cast<uv_stream_t*>(&l->tcp), reinterpret_cast<uv_stream_t*>(&c->tcp));
  if (r < 0) {
    drop_new_conn(c);
    g.sink->event(IO_EVENT_LISTEN_ERROR, l->id, static_cast<uint32_t>(-r), 0);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  c->listener = l;
  c->deadline = uv_now(g.loop) + l->handshake_ms;
  c->hs_prev = l->tail;
  if (l->tail != nullptr) l->tail->hs_next = c;
  else l->head = c;
  l->tail = c;
  if (l->head == c) arm(l);
  if (start_reading(c) < 0) close_conn(c);
}

void on_connection(uv_stream_t* server, int status) {
  Listener* l = static_cast<Listener*>(server->data);
  if (l->closing) return;
  if (status < 0) {
    g.sink->event(IO_EVENT_LISTEN_ERROR, l->id, static_cast<uint32_t>(-status), 0);
    return;
  }
  // not accepting it now makes libuv stop polling until uv_accept: the kernel's backlog waits
  if (l->paused) {
    l->waiting = true;
    return;
  }
  accept_one(l);
}

}  // namespace

void handshake_unlink(Conn* c) {
  Listener* l = c->listener;
  if (l == nullptr) return;
  if (c->hs_prev != nullptr) c->hs_prev->hs_next = c->hs_next;
  else l->head = c->hs_next;
  if (c->hs_next != nullptr) c->hs_next->hs_prev = c->hs_prev;
  else l->tail = c->hs_prev;
  c->listener = nullptr;
  c->hs_prev = c->hs_next = nullptr;
}

uint32_t listener_id(const Conn* c) { return c->listener != nullptr ? c->listener->id : UINT32_MAX; }

}  // namespace detail

using namespace detail;

int listen(const struct sockaddr* addr, uint32_t handshake_ms, int backlog) {
  if (g.loop == nullptr) return UV_EINVAL;
  Listener* l = static_cast<Listener*>(std::calloc(1, sizeof(Listener)));
  if (l == nullptr) return UV_ENOMEM;
  int r = uv_tcp_init(g.loop, &l->tcp);
  if (r < 0) {
    std::free(l);
    return r;
  }
  uint32_t lid = 0;
  while (lid < listeners.size() && listeners[lid] != nullptr) lid++;
  if (lid == listeners.size()) listeners.push_back(nullptr);
  listeners[lid] = l;
  l->id = lid;
  l->handshake_ms = handshake_ms;
  l->tcp.data = l;
  l->open_handles = 1;
  r = uv_tcp_bind(&l->tcp, addr, 0);
  if (r == 0) r = uv_listen(reinterpret_cast<uv_stream_t*>(&l->tcp), backlog, on_connection);
  if (r < 0) {
    l->closing = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp), on_listener_handle_closed);
    return r;
  }
  uv_timer_init(g.loop, &l->timer);
  l->timer.data = l;
  l->open_handles = 2;
  return static_cast<int>(lid);
}

int listen_address(uint32_t lid, struct sockaddr_storage* out) {
  Listener* l = find_listener(lid);
  if (l == nullptr) return UV_EBADF;
  int len = sizeof(*out);
  return uv_tcp_getsockname(&l->tcp, reinterpret_cast<sockaddr*>(out), &len);
}

int listen_pause(uint32_t lid, bool paused) {
  Listener* l = find_listener(lid);
  if (l == nullptr) return UV_EBADF;
  l->paused = paused;
  if (!paused && l->waiting) {
    l->waiting = false;
    accept_one(l);  // uv_accept makes libuv poll the listening socket again
  }
  return 0;
}

int listen_fd(uint32_t lid) {
  Listener* l = find_listener(lid);
  if (l == nullptr) return UV_EBADF;
#ifdef _WIN32
  // uv_os_fd_t is a HANDLE there, and the native transport is off on Windows (supported())
  return UV_ENOTSUP;
#else
  uv_os_fd_t fd;
  const int r = uv_fileno(reinterpret_cast<uv_handle_t*>(&l->tcp), &fd);
  return r < 0 ? r : static_cast<int>(fd);
#endif
}

int listen_timeout(uint32_t lid, uint32_t handshake_ms) {
  Listener* l = find_listener(lid);
  if (l == nullptr) return UV_EBADF;
  l->handshake_ms = handshake_ms;
  return 0;
}

int listen_close(uint32_t lid) {
  Listener* l = find_listener(lid);
  if (l == nullptr) return UV_EBADF;
  l->closing = true;
  while (l->head != nullptr) {
    Conn* c = l->head;
    handshake_unlink(c);
    close_conn(c);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&l->timer), on_listener_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp), on_listener_handle_closed);
  return 0;
}

int upgrade(uint32_t id, uint8_t* state) {
  if (id >= g.slots.size()) return UV_EBADF;
  Conn* c = g.slots[id];
  if (c == nullptr || (c->flags & F_CLOSING) != 0 || c->state != nullptr) return UV_EBADF;
  handshake_unlink(c);
  c->state = state;
  return 0;
}

}  // namespace io
}  // namespace qws
