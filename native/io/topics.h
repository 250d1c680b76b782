// Topics walked natively (issue 17): per topic the ids of its subscribers on this transport, and
// the collection a publish (or a server's broadcast) hands its frames to. A publish walks the subscribers here, not in JS:
// every one that JS has marked able to take a shared write (the share table, IO_SHARE_* in
// core/constants.h) and whose unsent bytes are within its cap gets the frames collected — one
// writev per connection when the collection is written (flush_collected), however many
// publishes it gathered; the others are handed back to JS, which delivers to them its own way
// (compressing, over the cap, a close or a fragmented message under way, ...).
//
// The frames are JS buffers: JS keeps them alive until flush_collected.
#ifndef QWS_IO_TOPICS_H
#define QWS_IO_TOPICS_H

#include <uv.h>

#include <cstddef>
#include <cstdint>

namespace qws {
namespace io {

// The share table (IO_SHARE_WORDS words per connection id, owned by JS); ids beyond it are
// never eligible.
void set_share_table(uint32_t* table, size_t words);

// A new topic's id (like the transport's other tables, an allocation failure aborts: the addon is
// built without C++ exceptions).
int topic_new();
// Removes the topic and its memberships; the id may be handed out again.
int topic_free(uint32_t t);
// Adds open connection `id` to topic `t`: 1 added, 0 already a member, or a negative libuv error
// (no such topic or connection).
int topic_add(uint32_t t, uint32_t id);
// 1 removed, 0 not a member, or a negative libuv error.
int topic_remove(uint32_t t, uint32_t id);

// Collects `bufs` for every member of topic `t` but `except`. A member that
// cannot take them here goes to fallback[0..*fallback_n), for JS (fallback_cap: at least the
// topic's open members). Returns how many members they were collected for, or a negative libuv
// error (no such topic; UV_ENOBUFS: fallback too small).
int64_t publish(uint32_t t, uint32_t except, const uv_buf_t* bufs, unsigned nbufs, uint32_t* fallback, size_t fallback_cap,
                size_t* fallback_n);

// As publish, for every open connection whose share table tag (IO_SHARE_TAG) is `tag` (one
// server's connections: its broadcast()); the frames count against a connection's cap before it
// takes them. `tag` 0 is no server's.
int64_t broadcast(uint32_t tag, const uv_buf_t* bufs, unsigned nbufs, uint32_t* fallback, size_t fallback_cap, size_t* fallback_n);

// Writes the collection: one writev per connection. A connection left with bytes queued after
// it gets an IO_EVENT_QUEUED event; one whose write failed is closed (ERROR, CLOSED follow).
void flush_collected();

// True while publish has collected frames that flush_collected has not written.
bool collected_pending();

}  // namespace io
}  // namespace qws

#endif
