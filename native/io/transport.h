// The native transport: TCP sockets on the libuv loop Node runs. Every read goes into one shared
// buffer and is decoded there by native/core's decoder; the records of a read are reported in one
// event. Writes try the socket first and copy only what the kernel did not take.
// No N-API here: events go to a Sink (native/binding/io.cc turns them into JS calls).
#ifndef QWS_IO_TRANSPORT_H
#define QWS_IO_TRANSPORT_H

#include <uv.h>

#include <cstddef>
#include <cstdint>

namespace qws {
namespace io {

// Receives the transport's events (IO_EVENT_* in core/constants.h). Called synchronously from
// libuv callbacks; may call back into the transport (write, end, close, set_reading).
class Sink {
 public:
  virtual void event(uint32_t kind, uint32_t id, uint32_t a, uint32_t b) = 0;

 protected:
  ~Sink() = default;
};

// Memory the transport shares with JS: the read buffer sockets read into, the record array the
// decoder fills (records point into the read buffer), and a control word JS sets to 1 when views
// of the last read's bytes outlive the batch: the next read then goes after them, and once the
// buffer has less than IO_MIN_READ left, a SLAB event asks JS for a fresh one (set_read_buffer).
// A read buffer is thus never overwritten while JS may still see its bytes. With keep[0], JS sets
// keep[IO_KEEP_RESERVE] to the bytes still to come of a frame it holds in place at the end of the
// read: that room after it is kept for the connection's next reads (other connections read after
// it) until they come, the connection closes, or the read buffer is replaced. keep[1] carries the
// listener id of a RAW event's connection.
struct Shared {
  uint8_t* read;
  size_t read_len;
  uint32_t* records;
  size_t record_capacity;
  uint32_t* keep;
  size_t keep_len;
};

// True on platforms where sockets can be taken over (POSIX descriptors).
bool supported();

// Binds the transport to a loop (once). Returns 0 or a negative libuv error.
int init(uv_loop_t* loop, const Shared& shared, Sink* sink);

// Replaces the read buffer (answer to a SLAB event); reads start at its beginning.
void set_read_buffer(uint8_t* read, size_t len);

// Takes over a connected TCP socket: `fd` is duplicated (the caller closes its own copy); reading
// starts with set_reading(true). `state` is the connection's decoder state (STATE_BYTES); it must stay valid until the
// CLOSED event. Returns the connection id (>= 0) or a negative libuv error.
int adopt(int fd, uint8_t* state);

// Writes the buffers in order: as much as the socket takes now, the rest is copied and queued.
// Returns 0 or a negative libuv error (the connection is then closed with an ERROR event).
int write(uint32_t id, const uv_buf_t* bufs, unsigned count);

// Bytes queued in user space, not yet taken by the kernel.
size_t queued(uint32_t id);

// Half-closes after the queued bytes (TCP FIN); the socket closes once the peer has ended too.
int end(uint32_t id);

// Closes now, dropping queued bytes; CLOSED follows from the loop.
int close(uint32_t id);

// Starts or stops reading (backpressure: bytes stay in the kernel while stopped).
int set_reading(uint32_t id, bool on);

// Every open connection's id is below this.
size_t id_bound();

// The local (peer == false) or remote address.
int address(uint32_t id, bool peer, struct sockaddr_storage* out);

// Writes frames shared by many connections (publish, broadcast): bufs[0..counts[i]) to ids[i], one
// writev each; queued_out[i] gets the bytes still queued on ids[i] afterwards. Returns how many
// connections took them.
uint32_t write_many(const uint32_t* ids, const uint32_t* counts, size_t count, const uv_buf_t* bufs, unsigned nbufs,
                    uint32_t* queued_out);

// ---- listening (listener.cc) ----------------------------------------------------------------

// Listens on `addr`. Accepted connections read raw: each read is a RAW event (keep[1] = the
// listener id) until upgrade() gives them a decoder state; one not upgraded within
// `handshake_ms` of its accept is closed. Returns the listener id (>= 0) or a negative libuv error.
int listen(const struct sockaddr* addr, uint32_t handshake_ms, int backlog);

// The address a listener is bound to.
int listen_address(uint32_t lid, struct sockaddr_storage* out);

// Paused: the next connection is left in the kernel's backlog (libuv stops polling the
// listening socket) until resumed.
int listen_pause(uint32_t lid, bool paused);

// The listening socket's descriptor (or a negative libuv error).
int listen_fd(uint32_t lid);

// The handshake timeout for connections accepted from now on.
int listen_timeout(uint32_t lid, uint32_t handshake_ms);

// Stops listening and closes the connections still in their handshake.
int listen_close(uint32_t lid);

// The handshake of accepted connection `id` succeeded: its later reads are decoded with `state`
// (STATE_BYTES, valid until CLOSED), and its handshake deadline no longer applies.
int upgrade(uint32_t id, uint8_t* state);

}  // namespace io
}  // namespace qws

#endif
