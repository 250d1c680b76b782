// See topics.h. Memberships are kept both ways — per topic a vector of connection ids, per
// connection the topics it is in with its index there — so a join, a leave and a close cost
// O(the connection's topics), never a walk of a topic's members.
#include "topics.h"

#include <algorithm>
#include <vector>

#include "../core/constants.h"
#include "conn.h"

namespace qws {
namespace io {

namespace detail {

// One of a connection's topics: the topic and the connection's index in its member vector.
struct Membership {
  uint32_t topic;
  uint32_t index;
};

struct Memberships {
  std::vector<Membership> list;
};

}  // namespace detail

using namespace detail;

namespace {

struct Topic {
  std::vector<uint32_t> members;  // connection ids
  bool live = false;
};

// What one connection is given at the next flush: runs of the collection's buffers (one run
// per publish), linked in call order.
struct Entry {
  Conn* conn;  // nullptr once it closed
  uint32_t bytes;
  uint32_t head;  // first run (index in runs)
  uint32_t tail;
};

struct Run {
  uint32_t first;  // index in bufs
  uint32_t count;
  uint32_t next;   // next run of the same entry, or NONE
};

constexpr uint32_t NONE = 0xffffffff;
// buffers a collection holds before it is written (the frames of this many publishes, about)
constexpr size_t MAX_COLLECTED_BUFS = 4096;

std::vector<Topic> topics;
std::vector<uint32_t> free_topics;

uint32_t* share = nullptr;
size_t share_words = 0;

// The collection: generation 0 is never current (a calloc'd Conn, or one whose entry was
// written, has collect_gen 0).
std::vector<uv_buf_t> bufs;
std::vector<Entry> entries;
std::vector<Run> runs;
uint32_t generation = 1;
// The collection being written by flush_collected, and its next entry.
std::vector<uv_buf_t> w_bufs;
std::vector<Entry> w_entries;
std::vector<Run> w_runs;
size_t w_next = 0;

Topic* topic_at(uint32_t t) { return t < topics.size() && topics[t].live ? &topics[t] : nullptr; }

uint32_t* share_of(uint32_t id) {
  const size_t at = static_cast<size_t>(id) * IO_SHARE_WORDS;
  return at + IO_SHARE_WORDS <= share_words ? share + at : nullptr;
}

// Takes member `index` out of topic `t` (the last member moves into its place).
void unlink_member(uint32_t t, Topic& topic, uint32_t index) {
  const uint32_t last = static_cast<uint32_t>(topic.members.size() - 1);
  if (index != last) {
    const uint32_t moved = topic.members[last];
    topic.members[index] = moved;
    // the moved connection's record of its index there follows it
    Conn* m = g.slots[moved];
    for (Membership& ms : m->topics->list) {
      if (ms.topic == t) {
        ms.index = index;
        break;
      }
    }
  }
  topic.members.pop_back();
}

// Removes membership `i` of `c`'s list (order of its topics does not matter).
void drop_membership(Conn* c, size_t i) {
  std::vector<Membership>& list = c->topics->list;
  const Membership ms = list[i];
  unlink_member(ms.topic, topics[ms.topic], ms.index);
  list[i] = list.back();
  list.pop_back();
  if (list.empty()) {
    delete c->topics;
    c->topics = nullptr;
  }
}

// The entry of `c` in the current collection (a new one if it has none).
Entry* entry_of(Conn* c) {
  if (c->collect_gen == generation) return &entries[c->collect_slot];
  c->collect_gen = generation;
  c->collect_slot = static_cast<uint32_t>(entries.size());
  entries.push_back(Entry{c, 0, NONE, NONE});
  return &entries.back();
}

// Adds buffers [first, first + count) of the collection to `c` (its unsent bytes grow by `bytes`).
void collect(Conn* c, uint32_t first, uint32_t count, uint32_t bytes, uint32_t* words) {
  Entry* e = entry_of(c);
  const uint32_t r = static_cast<uint32_t>(runs.size());
  runs.push_back(Run{first, count, NONE});
  if (e->tail == NONE) e->head = r;
  else runs[e->tail].next = r;
  e->tail = r;
  e->bytes += bytes;
  words[IO_SHARE_COLLECTED] = e->bytes;
}

}  // namespace

void detail::topics_closed(Conn* c) {
  while (c->topics != nullptr) drop_membership(c, c->topics->list.size() - 1);
  // (an entry of a collection being written is not looked at after its write: see flush_collected)
  if (c->collect_gen == generation) entries[c->collect_slot].conn = nullptr;
  // the id's next connection starts with none of this one's words (its tag above all)
  uint32_t* words = share_of(c->id);
  if (words != nullptr) std::fill(words, words + IO_SHARE_WORDS, 0u);
}

void set_share_table(uint32_t* table, size_t words) {
  share = table;
  share_words = words;
}

int topic_new() {
  uint32_t t;
  if (!free_topics.empty()) {
    t = free_topics.back();
    free_topics.pop_back();
  } else {
    t = static_cast<uint32_t>(topics.size());
    topics.emplace_back();
  }
  topics[t].live = true;
  return static_cast<int>(t);
}

int topic_free(uint32_t t) {
  Topic* topic = topic_at(t);
  if (topic == nullptr) return UV_EINVAL;
  while (!topic->members.empty()) topic_remove(t, topic->members.back());
  topic->live = false;
  topic->members.shrink_to_fit();
  free_topics.push_back(t);
  return 0;
}

int topic_add(uint32_t t, uint32_t id) {
  Topic* topic = topic_at(t);
  if (topic == nullptr) return UV_EINVAL;
  Conn* c = find(id);
  if (c == nullptr) return UV_EBADF;
  if (c->topics != nullptr) {
    for (const Membership& ms : c->topics->list) {
      if (ms.topic == t) return 0;
    }
  }
  if (c->topics == nullptr) c->topics = new Memberships();
  c->topics->list.push_back(Membership{t, static_cast<uint32_t>(topic->members.size())});
  topic->members.push_back(id);
  return 1;
}

int topic_remove(uint32_t t, uint32_t id) {
  if (topic_at(t) == nullptr) return UV_EINVAL;
  if (id >= g.slots.size() || g.slots[id] == nullptr) return 0;
  Conn* c = g.slots[id];
  if (c->topics == nullptr) return 0;
  const std::vector<Membership>& list = c->topics->list;
  for (size_t i = 0; i < list.size(); i++) {
    if (list[i].topic == t) {
      drop_membership(c, i);
      return 1;
    }
  }
  return 0;
}

namespace {

// One walk (a publish or a broadcast): frames [first, first + nbufs) of the collection, `bytes`
// long, for the connections it is offered; `extra` of them count against a connection's cap
// before it takes them (a broadcast's, as JS's sendEncoded checks after queuing; a publish is
// refused only when the connection is over its cap already).
struct Walk {
  uint32_t first;
  unsigned nbufs;
  uint32_t bytes;
  uint32_t extra;
  uint32_t* fallback;
  size_t fallback_cap;
  size_t* fallback_n;
  int64_t taken;
};

// Starts a walk: the frames join the collection (written first if it holds too many already).
Walk start_walk(const uv_buf_t* frames, unsigned nbufs, bool cap_counts_them, uint32_t* fallback, size_t fallback_cap, size_t* fallback_n) {
  *fallback_n = 0;
  if (bufs.size() + nbufs > MAX_COLLECTED_BUFS) flush_collected();
  uint32_t bytes = 0;
  for (unsigned i = 0; i < nbufs; i++) bytes += static_cast<uint32_t>(frames[i].len);
  Walk w{static_cast<uint32_t>(bufs.size()), nbufs, bytes, cap_counts_them ? bytes : 0, fallback, fallback_cap, fallback_n, 0};
  bufs.insert(bufs.end(), frames, frames + nbufs);
  return w;
}

// Offers the walk's frames to open connection `c`: collected, or its id left to JS. False when
// the fallback array is full (JS sized it for the connections it counts: a broken invariant).
bool offer(Walk& w, Conn* c) {
  // ended or closing: nothing more may be sent (JS would refuse it too)
  if ((c->flags & (F_SHUT | F_CLOSING)) != 0) return true;
  uint32_t* words = share_of(c->id);
  const uint32_t cap = words == nullptr ? 0 : words[IO_SHARE_CAP];
  const size_t unsent = uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&c->tcp)) +
                        (c->collect_gen == generation ? entries[c->collect_slot].bytes : 0);
  // JS delivers to it: not marked able, or over its cap
  if (cap == 0 || (cap != IO_SHARE_NO_CAP && unsent + w.extra > cap) || unsent + w.bytes > UINT32_MAX) {
    if (*w.fallback_n == w.fallback_cap) return false;
    w.fallback[(*w.fallback_n)++] = c->id;
    return true;
  }
  collect(c, w.first, w.nbufs, w.bytes, words);
  w.taken++;
  return true;
}

}  // namespace

int64_t publish(uint32_t t, uint32_t except, const uv_buf_t* frames, unsigned nbufs, uint32_t* fallback, size_t fallback_cap,
                size_t* fallback_n) {
  // (the topic is looked up after start_walk: writing a full collection calls into JS, which
  // may change the topics; nothing in the walk itself does, so its members stay put)
  Walk w = start_walk(frames, nbufs, false, fallback, fallback_cap, fallback_n);
  const Topic* topic = topic_at(t);
  if (topic == nullptr) return UV_EINVAL;
  for (const uint32_t id : topic->members) {
    if (id != except && !offer(w, g.slots[id])) return UV_ENOBUFS;
  }
  return w.taken;
}

int64_t broadcast(uint32_t tag, const uv_buf_t* frames, unsigned nbufs, uint32_t* fallback, size_t fallback_cap, size_t* fallback_n) {
  if (tag == 0) return UV_EINVAL;
  Walk w = start_walk(frames, nbufs, true, fallback, fallback_cap, fallback_n);
  for (Conn* c : g.slots) {
    if (c == nullptr) continue;
    const uint32_t* words = share_of(c->id);
    if (words != nullptr && words[IO_SHARE_TAG] == tag && !offer(w, c)) return UV_ENOBUFS;
  }
  return w.taken;
}

void flush_collected() {
  for (;;) {
    // Writing calls into JS (a failed write's ERROR, QUEUED), which may publish, or write and so
    // flush again: such a call goes on with this loop where it is (nothing here is held across
    // a write), so every connection still gets its collected frames before anything newer.
    while (w_next < w_entries.size()) {
      const Entry e = w_entries[w_next++];
      Conn* c = e.conn;
      if (c == nullptr) continue;
      if (c->collect_gen != generation) {
        // (not collected again meanwhile) no generation number stays in a Conn past its
        // collection, so one that comes round again after 2^32 flushes finds none
        c->collect_gen = 0;
        uint32_t* words = share_of(c->id);
        if (words != nullptr) words[IO_SHARE_COLLECTED] = 0;
      }
      // (a connection closing meanwhile stays allocated until the loop's close phase)
      if ((c->flags & F_CLOSING) != 0) continue;
      // at most IO_MAX_IOV buffers per writev (write_conn keeps the order of successive writes);
      // a write that fails closes the connection and reports it to JS: nothing more is read
      // from the batch for it then (a call from JS may have replaced the batch)
      uv_buf_t iov[IO_MAX_IOV];
      unsigned k = 0;
      bool failed = false;
      for (uint32_t r = e.head; r != NONE && !failed; r = w_runs[r].next) {
        for (uint32_t j = 0; j < w_runs[r].count && !failed; j++) {
          iov[k++] = w_bufs[w_runs[r].first + j];
          if (k == IO_MAX_IOV) {
            failed = write_conn(c, iov, k) != 0;
            k = 0;
          }
        }
      }
      if (!failed && k > 0) failed = write_conn(c, iov, k) != 0;
      if (failed || (c->flags & F_CLOSING) != 0) continue;
      const size_t queued = uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&c->tcp));
      if (queued > 0) g.sink->event(IO_EVENT_QUEUED, c->id, static_cast<uint32_t>(queued), 0);
    }
    if (entries.empty()) {
      bufs.clear();
      return;
    }
    // the collection becomes the batch being written; the next one reuses the old batch's room
    w_entries.clear();
    w_runs.clear();
    w_bufs.clear();
    w_next = 0;
    w_entries.swap(entries);
    w_runs.swap(runs);
    w_bufs.swap(bufs);
    generation = generation == UINT32_MAX ? 1 : generation + 1;
  }
}

bool collected_pending() { return !entries.empty() || w_next < w_entries.size(); }

}  // namespace io
}  // namespace qws
