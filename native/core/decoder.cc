// See decoder.h. The structure follows decoder.fallback.ts line for line so the two can be
// compared by the differential test and the fuzzer.
#include "decoder.h"

#include <cstring>

#include "constants.h"
#include "mask.h"
#include "utf8.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the state and mask layouts are little-endian");
// the spill area (a header, at most LIMIT_MAX_HEADER_SIZE bytes) follows the fields, then the
// control area (a control payload, at most LIMIT_MAX_CONTROL_PAYLOAD bytes) ends inside the state
static_assert(qws::STATE_SPILL_BYTE >= (qws::STATE_FRAME_LEN + 1) * 4, "spill area overlaps the fields");
static_assert(qws::STATE_SPILL_BYTE + qws::LIMIT_MAX_HEADER_SIZE <= qws::STATE_CTRL_BYTE, "spill area too small");
static_assert(qws::STATE_CTRL_BYTE + qws::LIMIT_MAX_CONTROL_PAYLOAD <= qws::STATE_BYTES, "control area too small");

namespace qws {

namespace {

// State words are read and written through memcpy: the state array may not be 4-byte aligned.
struct State {
  uint8_t* b;
  uint32_t get(uint32_t i) const {
    uint32_t v;
    std::memcpy(&v, b + 4 * i, 4);
    return v;
  }
  void set(uint32_t i, uint32_t v) { std::memcpy(b + 4 * i, &v, 4); }
};

inline bool valid_close_code(uint32_t c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

uint32_t emit_error(uint32_t* rec, uint32_t n, State& s, uint32_t id, size_t offset, size_t end) {
  uint32_t* r = rec + n * RECORD_STRIDE;
  r[RECORD_KIND] = RECORD_KIND_ERROR;
  r[RECORD_OPCODE] = id;
  r[RECORD_FLAGS] = 0;
  r[RECORD_START] = 0;
  r[RECORD_LENGTH] = 0;
  r[RECORD_REMAINING] = 0;
  r[RECORD_AUX] = ERROR_CLOSE_CODE[id];
  r[RECORD_OFFSET] = static_cast<uint32_t>(offset);
  s.set(STATE_PHASE, STATE_PHASE_POISONED);
  s.set(STATE_RESUME, static_cast<uint32_t>(end));
  return n + 1;
}

// RFC 6455 §5.5.1, §7.4: a close payload is empty, or a valid code plus a UTF-8 reason.
uint32_t check_close(const uint8_t* p, size_t len) {
  if (len == 0) return 0;
  if (len == 1) return ERROR_CLOSE_LENGTH_ONE;
  if (!valid_close_code((static_cast<uint32_t>(p[0]) << 8) | p[1])) return ERROR_CLOSE_INVALID_CODE;
  if (utf8_step(0, p + 2, len - 2) != 0) return ERROR_CLOSE_INVALID_UTF8;
  return 0;
}

// RFC 6455 §5.2, §5.4, §5.5; RFC 7692 §6.1 — the rules decidable from the first two bytes.
uint32_t check_head(State& s, uint8_t b0, uint8_t b1) {
  const uint32_t opcode = b0 & 0x0f;
  const bool fin = (b0 & 0x80) != 0;
  const bool control = opcode >= OPCODE_CLOSE;
  const uint32_t config = s.get(STATE_CONFIG);
  if (opcode > OPCODE_BINARY && (opcode < OPCODE_CLOSE || opcode > OPCODE_PONG)) return ERROR_BAD_OPCODE;
  if (b0 & 0x30) return ERROR_RSV_BITS;
  if ((b0 & 0x40) && ((config & STATE_CONFIG_ALLOW_RSV1) == 0 || control || opcode == OPCODE_CONTINUATION)) return ERROR_RSV_BITS;
  if (control) {
    if (!fin) return ERROR_CONTROL_FRAGMENTED;
    if ((b1 & 0x7f) > 125) return ERROR_CONTROL_TOO_LONG;
  }
  const bool masked = (b1 & 0x80) != 0;
  if (config & STATE_CONFIG_SERVER) {
    if (!masked) return ERROR_MASK_EXPECTED;  // RFC 6455 §5.1
  } else if (masked) {
    return ERROR_MASK_UNEXPECTED;
  }
  if (!control) {
    const bool in_message = s.get(STATE_MSG_OPCODE) != 0;
    if (opcode == OPCODE_CONTINUATION && !in_message) return ERROR_UNEXPECTED_CONTINUATION;
    if (opcode != OPCODE_CONTINUATION && in_message) return ERROR_EXPECTED_CONTINUATION;
  }
  return 0;
}

inline size_t header_size(uint8_t b1) {
  const uint32_t len7 = b1 & 0x7f;
  return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
}

inline uint32_t be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

// Parses a complete header at h into the state. Returns 0 or an error id.
uint32_t take_header(State& s, const uint8_t* h) {
  const uint8_t b0 = h[0], b1 = h[1];
  const uint32_t len7 = b1 & 0x7f;
  uint32_t len = len7;
  const uint8_t* q = h + 2;
  if (len7 == 126) {
    len = (static_cast<uint32_t>(q[0]) << 8) | q[1];
    q += 2;
  } else if (len7 == 127) {
    const uint32_t hi = be32(q);
    if (hi & 0x80000000u) return ERROR_LENGTH_HIGH_BIT;  // RFC 6455 §5.2: MSB must be 0
    if (hi != 0) return ERROR_FRAME_TOO_LARGE;
    len = be32(q + 4);
    q += 8;
  }
  if (len > s.get(STATE_MAX_FRAME)) return ERROR_FRAME_TOO_LARGE;
  const uint32_t opcode = b0 & 0x0f;
  if (opcode < OPCODE_CLOSE) {
    // 64-bit sum: MSG_SIZE and len are each < 2^32
    const uint64_t size = opcode == OPCODE_CONTINUATION ? static_cast<uint64_t>(s.get(STATE_MSG_SIZE)) + len : len;
    if (size > s.get(STATE_MAX_MESSAGE)) return ERROR_MESSAGE_TOO_LARGE;
    if (opcode != OPCODE_CONTINUATION) {
      s.set(STATE_MSG_OPCODE, opcode);
      s.set(STATE_MSG_COMPRESSED, (b0 & 0x40) ? 1 : 0);
      s.set(STATE_UTF8, 0);
    }
    s.set(STATE_MSG_SIZE, static_cast<uint32_t>(size));
  } else {
    s.set(STATE_CTRL_LEN, 0);
  }
  uint32_t flags = ((b0 & 0x80) ? RECORD_FLAG_FIN : 0) | ((b0 & 0x40) ? RECORD_FLAG_RSV1 : 0);
  if (b1 & 0x80) {
    flags |= STATE_FRAME_MASKED;
    uint32_t key;
    std::memcpy(&key, q, 4);
    s.set(STATE_MASK_KEY, key);
  } else {
    s.set(STATE_MASK_KEY, 0);
  }
  s.set(STATE_MASK_PHASE, 0);
  s.set(STATE_OPCODE, opcode);
  s.set(STATE_FRAME_FLAGS, flags);
  s.set(STATE_REMAINING, len);
  s.set(STATE_FRAME_LEN, len);
  return 0;
}

inline void put_frame(uint32_t* r, uint32_t opcode, uint32_t flags, uint32_t start, uint32_t len, uint32_t remaining, uint32_t aux) {
  r[RECORD_KIND] = RECORD_KIND_FRAME;
  r[RECORD_OPCODE] = opcode;
  r[RECORD_FLAGS] = flags;
  r[RECORD_START] = start;
  r[RECORD_LENGTH] = len;
  r[RECORD_REMAINING] = remaining;
  r[RECORD_AUX] = aux;
  r[RECORD_OFFSET] = 0;
}

}  // namespace

uint32_t decode(uint8_t* state, uint8_t* chunk, size_t end, size_t pos, uint32_t* rec, size_t capacity) {
  State s{state};
  uint32_t n = 0;
  uint32_t phase = s.get(STATE_PHASE);
  if (phase >= STATE_PHASE_CLOSED || pos > end) {
    s.set(STATE_RESUME, static_cast<uint32_t>(end));
    return 0;
  }
  uint8_t* spill_area = state + STATE_SPILL_BYTE;
  uint8_t* ctrl_area = state + STATE_CTRL_BYTE;
  for (;;) {
    if (phase == STATE_PHASE_HEADER) {
      if (pos >= end || n + 2 > capacity) break;
      const size_t start_pos = pos;
      uint32_t spill = s.get(STATE_HDR_LEN);
      uint32_t err = 0;
      if (spill == 0 && end - pos >= 2 && end - pos >= header_size(chunk[pos + 1])) {
        err = check_head(s, chunk[pos], chunk[pos + 1]);
        if (err == 0) err = take_header(s, chunk + pos);
        if (err != 0) return emit_error(rec, n, s, err, start_pos, end);
        pos += header_size(chunk[pos + 1]);
      } else {
        while (spill < 2 && pos < end) spill_area[spill++] = chunk[pos++];
        if (spill < 2) {
          s.set(STATE_HDR_LEN, spill);
          break;
        }
        err = check_head(s, spill_area[0], spill_area[1]);
        if (err != 0) return emit_error(rec, n, s, err, start_pos, end);
        const size_t need = header_size(spill_area[1]);
        while (spill < need && pos < end) spill_area[spill++] = chunk[pos++];
        if (spill < need) {
          s.set(STATE_HDR_LEN, spill);
          break;
        }
        s.set(STATE_HDR_LEN, 0);
        err = take_header(s, spill_area);
        if (err != 0) return emit_error(rec, n, s, err, start_pos, end);
      }
      phase = STATE_PHASE_PAYLOAD;
    }

    // PHASE_PAYLOAD
    const uint32_t opcode = s.get(STATE_OPCODE);
    const uint32_t ff = s.get(STATE_FRAME_FLAGS);
    const uint32_t remaining = s.get(STATE_REMAINING);
    const size_t avail = end - pos;
    const uint32_t take = avail < remaining ? static_cast<uint32_t>(avail) : remaining;
    if (take > 0 && (ff & STATE_FRAME_MASKED)) {
      const uint32_t mp = s.get(STATE_MASK_PHASE);
      unmask_inplace(chunk + pos, take, s.get(STATE_MASK_KEY), mp);
      s.set(STATE_MASK_PHASE, (mp + take) & 3);
    }
    if (opcode >= OPCODE_CLOSE) {
      const uint32_t ctrl_len = s.get(STATE_CTRL_LEN);
      const uint8_t* src = chunk + pos;
      uint32_t len = take;
      uint32_t flags = (ff & (RECORD_FLAG_FIN | RECORD_FLAG_RSV1)) | RECORD_FLAG_FIRST | RECORD_FLAG_LAST;
      uint32_t start = static_cast<uint32_t>(pos);
      if (take < remaining || ctrl_len != 0) {
        // split control frame: collect it in the control buffer (≤ 125 bytes by check_head)
        std::memcpy(ctrl_area + ctrl_len, chunk + pos, take);
        s.set(STATE_CTRL_LEN, ctrl_len + take);
        pos += take;
        s.set(STATE_REMAINING, remaining - take);
        if (take < remaining) break;
        src = ctrl_area;
        len = ctrl_len + take;
        start = 0;
        flags |= RECORD_FLAG_BUFFERED;
      } else {
        pos += take;
        s.set(STATE_REMAINING, 0);
      }
      uint32_t aux = 0;
      if (opcode == OPCODE_CLOSE) {
        const uint32_t err = check_close(src, len);
        if (err != 0) return emit_error(rec, n, s, err, pos - take, end);
        aux = len >= 2 ? (static_cast<uint32_t>(src[0]) << 8) | src[1] : 1005;
      }
      put_frame(rec + n * RECORD_STRIDE, opcode, flags, start, len, 0, aux);
      n++;
      phase = STATE_PHASE_HEADER;
      if (opcode == OPCODE_CLOSE) {
        // RFC 6455 §5.5.1: nothing after a close frame is processed
        s.set(STATE_PHASE, STATE_PHASE_CLOSED);
        s.set(STATE_RESUME, static_cast<uint32_t>(end));
        return n;
      }
      // The record's payload lives in the control buffer, which the next split control frame of
      // this chunk would overwrite before the caller reads it: end the batch here (the caller
      // decodes on from STATE_RESUME after handling the records).
      if (flags & RECORD_FLAG_BUFFERED) break;
      continue;
    }

    // data frame piece
    if (take == 0 && remaining > 0) break;
    if (s.get(STATE_MSG_OPCODE) == OPCODE_TEXT && s.get(STATE_MSG_COMPRESSED) == 0) {
      uint32_t u = utf8_step(s.get(STATE_UTF8), chunk + pos, take);
      // RFC 6455 §8.1: a complete text message must end on a code-point boundary
      if (u != UTF8_INVALID && take == remaining && (ff & RECORD_FLAG_FIN) && u != 0) u = UTF8_INVALID;
      if (u == UTF8_INVALID) return emit_error(rec, n, s, ERROR_INVALID_UTF8, pos, end);
      s.set(STATE_UTF8, u);
    }
    uint32_t flags = ff & (RECORD_FLAG_FIN | RECORD_FLAG_RSV1);
    if ((ff & STATE_FRAME_STARTED) == 0) flags |= RECORD_FLAG_FIRST;
    const uint32_t left = remaining - take;
    if (left == 0) flags |= RECORD_FLAG_LAST;
    put_frame(rec + n * RECORD_STRIDE, opcode, flags, static_cast<uint32_t>(pos), take, left, 0);
    n++;
    pos += take;
    s.set(STATE_REMAINING, left);
    if (left == 0) {
      if (ff & RECORD_FLAG_FIN) {
        s.set(STATE_MSG_OPCODE, 0);
        s.set(STATE_MSG_SIZE, 0);
      }
      phase = STATE_PHASE_HEADER;
    } else {
      s.set(STATE_FRAME_FLAGS, ff | STATE_FRAME_STARTED);
      break;
    }
  }
  s.set(STATE_PHASE, phase);
  s.set(STATE_RESUME, static_cast<uint32_t>(pos));
  return n;
}

}  // namespace qws
