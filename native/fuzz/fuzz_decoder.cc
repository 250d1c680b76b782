// libFuzzer target over native/core. The input drives everything: byte 0 = config (side,
// RSV1 permission, small limits, record capacity), byte 1 = split seed, the rest = the stream,
// fed in chunks whose sizes come from the seed. Checks: no crash/UB (ASan/UBSan), records stay
// inside the chunk or control buffer, RESUME never moves backwards, SIMD UTF-8 == scalar,
// vector masking == bytewise masking.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../core/constants.h"
#include "../core/decoder.h"
#include "../core/mask.h"
#include "../core/utf8.h"

using namespace qws;

static void check(bool ok) {
  if (!ok) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t cfg = data[0];
  uint32_t seed = data[1] * 2654435761u + 1;
  const uint8_t* body = data + 2;
  const size_t len = size - 2;

  // UTF-8: the vector path must agree with the scalar reference, also when split
  check(utf8_step(0, body, len) == utf8_step_scalar(0, body, len));
  {
    const size_t cut = len ? seed % (len + 1) : 0;
    uint32_t a = utf8_step(0, body, cut);
    if (a != UTF8_INVALID) a = utf8_step(a, body + cut, len - cut);
    uint32_t b = utf8_step_scalar(0, body, cut);
    if (b != UTF8_INVALID) b = utf8_step_scalar(b, body + cut, len - cut);
    check(a == b);
  }
  // masking: vector == bytewise, for every phase
  {
    std::vector<uint8_t> a(body, body + len), b(body, body + len);
    const uint32_t key = seed ^ 0x9e3779b9u;
    const uint32_t phase = cfg & 3;
    unmask_inplace(a.data(), len, key, phase);
    for (size_t i = 0; i < len; i++) b[i] ^= static_cast<uint8_t>(key >> (8 * ((phase + i) & 3)));
    check(a == b);
  }

  // the decoder over random chunk splits
  alignas(8) uint8_t state[STATE_BYTES] = {};
  auto set = [&](uint32_t i, uint32_t v) { std::memcpy(state + 4 * i, &v, 4); };
  auto get = [&](uint32_t i) {
    uint32_t v;
    std::memcpy(&v, state + 4 * i, 4);
    return v;
  };
  set(STATE_CONFIG, (cfg & 1 ? STATE_CONFIG_SERVER : 0) | (cfg & 2 ? STATE_CONFIG_ALLOW_RSV1 : 0));
  set(STATE_MAX_FRAME, cfg & 4 ? 200 : LIMIT_MAX_INCOMING_FRAME_SIZE);
  set(STATE_MAX_MESSAGE, cfg & 8 ? 500 : LIMIT_MAX_INCOMING_MESSAGE_SIZE);
  const size_t capacity = cfg & 16 ? 2 + (cfg >> 5) % 3 : LIMIT_RECORD_CAPACITY;
  std::vector<uint32_t> records(capacity * RECORD_STRIDE);
  size_t off = 0;
  while (off < len) {
    seed = seed * 1103515245u + 12345u;
    size_t n = 1 + (seed >> 8) % (len - off);
    if ((seed & 3) == 0 && n > 7) n = 1 + (seed >> 4) % 7;
    std::vector<uint8_t> chunk(body + off, body + off + n);  // a heap copy so ASan sees overruns
    off += n;
    size_t pos = 0;
    for (int guard = 0; guard < 100000; guard++) {
      const uint32_t count = decode(state, chunk.data(), chunk.size(), pos, records.data(), capacity);
      check(count <= capacity);
      for (uint32_t r = 0; r < count; r++) {
        const uint32_t* rec = &records[r * RECORD_STRIDE];
        check(rec[RECORD_KIND] == RECORD_KIND_FRAME || rec[RECORD_KIND] == RECORD_KIND_ERROR);
        if (rec[RECORD_KIND] == RECORD_KIND_ERROR) {
          check(rec[RECORD_OPCODE] >= 1 && rec[RECORD_OPCODE] <= 15);
          check(r == count - 1);
        } else if (rec[RECORD_FLAGS] & RECORD_FLAG_BUFFERED) {
          check(rec[RECORD_LENGTH] <= LIMIT_MAX_CONTROL_PAYLOAD);
        } else {
          check(static_cast<size_t>(rec[RECORD_START]) + rec[RECORD_LENGTH] <= chunk.size());
        }
      }
      const uint32_t resume = get(STATE_RESUME);
      check(resume >= pos && resume <= chunk.size());
      if (resume == chunk.size() || get(STATE_PHASE) >= STATE_PHASE_CLOSED) break;
      check(resume > pos || count > 0);
      pos = resume;
    }
    if (get(STATE_PHASE) >= STATE_PHASE_CLOSED) break;
  }
  return 0;
}
