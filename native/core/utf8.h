// Incremental UTF-8 validation (RFC 3629 §4), the twin of src/codec/utf8.fallback.ts.
#ifndef QWS_UTF8_H
#define QWS_UTF8_H

#include <cstddef>
#include <cstdint>

namespace qws {

// Validates buf[0..len) continuing from `state` (0 = at a code-point boundary; otherwise
// need | lo << 8 | hi << 16 for the next continuation byte). Returns the new state, or
// UTF8_INVALID at the first byte that cannot be part of valid UTF-8.
uint32_t utf8_step(uint32_t state, const uint8_t* buf, size_t len);

// The scalar reference path alone (used by the fuzzer to check the vector paths).
uint32_t utf8_step_scalar(uint32_t state, const uint8_t* buf, size_t len);

// Which vector path utf8_step and the mask functions use: "avx2", "sse2" or "scalar".
const char* simd_name();

}  // namespace qws

#endif
