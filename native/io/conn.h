// Internals shared by transport.cc (connections) and listener.cc (listening sockets): the
// connection record and the process-wide transport state. Not part of the transport's interface.
#ifndef QWS_IO_CONN_H
#define QWS_IO_CONN_H

#include <uv.h>

#include <cstdint>
#include <vector>

#include "../core/constants.h"
#include "transport.h"

namespace qws {
namespace io {
namespace detail {

enum : uint8_t {
  F_EOF = 1,         // the peer ended (read EOF)
  F_SHUT = 2,        // end() was called
  F_SHUT_DONE = 4,   // our FIN is out
  F_CLOSING = 8,     // uv_close was called
  F_HAD_ERROR = 16,  // closed because of a socket error
  F_PAUSED = 32,     // set_reading(false)
};

struct Listener;
struct Memberships;

// One connection: the libuv handle and what the read path needs. The shutdown request is
// allocated only by end(). A connection a listener accepted has no decoder state until
// upgrade(): its reads go to JS raw (the HTTP request), and it sits in the listener's
// handshake list (oldest first) until then, to be dropped at its deadline.
struct Conn {
  uv_tcp_t tcp;
  uint8_t* state;
  uv_shutdown_t* shutdown;
  Listener* listener;  // while in the handshake list
  Conn* hs_prev;
  Conn* hs_next;
  uint64_t deadline;  // loop time (ms) the handshake must be done by
  Memberships* topics;    // its topics (topics.cc); nullptr while it has none
  uint32_t collect_gen;   // the collection (topics.cc) it has an entry in,
  uint32_t collect_slot;  // and that entry
  uint32_t id;
  uint32_t async_bytes;  // written by queued writes since the last DRAIN
  uint8_t flags;
  uint8_t reservation;  // 1 + its index in Transport::reservations, 0: none (fits in the padding)
};

// Room of the read buffer kept for the rest of a frame whose first piece a connection's session
// holds in place (IO_KEEP_RESERVE): the connection's next reads land here, right after the piece,
// whatever other connections read meanwhile.
struct Reservation {
  Conn* conn;
  uint32_t at;   // offset in shared.read
  uint32_t len;  // bytes still to come
};

static_assert(IO_MAX_RESERVATIONS < 256, "Conn::reservation is one byte");

struct Transport {
  uv_loop_t* loop = nullptr;
  Shared shared{};
  size_t read_pos = 0;  // where the next read goes in shared.read (past every reservation)
  // in the current read buffer, dropped with it; a few at a time (each is a message under way)
  Reservation reservations[IO_MAX_RESERVATIONS];
  uint32_t reservation_count = 0;
  Sink* sink = nullptr;
  std::vector<Conn*> slots;
  std::vector<uint32_t> free_ids;
};

extern Transport g;

// A new connection record with an initialized handle and an id; nullptr when out of memory.
Conn* new_conn();
// Frees a connection whose handle was initialized but never opened (a failed accept/open).
void drop_new_conn(Conn* c);
void close_conn(Conn* c);
int start_reading(Conn* c);
// The open (not closing) connection with this id, or nullptr.
Conn* find(uint32_t id);
// Writes the buffers in order (see write()); 0 or a negative libuv error (the connection is then failed).
int write_conn(Conn* c, const uv_buf_t* bufs, unsigned count);

// topics.cc: `c` is closing: it leaves its topics and the collection, before its id is reused.
void topics_closed(Conn* c);

// listener.cc: takes `c` out of its listener's handshake list (no-op when not in one).
void handshake_unlink(Conn* c);
// listener.cc: the id of the listener that accepted `c` (while it handshakes).
uint32_t listener_id(const Conn* c);

}  // namespace detail
}  // namespace io
}  // namespace qws

#endif
