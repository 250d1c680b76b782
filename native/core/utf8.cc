// Incremental UTF-8 validation. The scalar state machine is the reference; vector paths skip
// ASCII 16 or 32 bytes at a time (most text is mostly ASCII) and hand every non-ASCII stretch to
// the scalar machine, so results (including where validation fails) are identical by design.
#include "utf8.h"

#include "constants.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define QWS_X86 1
#endif

namespace qws {

namespace {

// Scalar machine from a given state, over [p, end). Returns state or UTF8_INVALID.
inline uint32_t run_scalar(uint32_t state, const uint8_t*& p, const uint8_t* end, bool stop_at_ascii_boundary) {
  uint32_t need = state & 3, lo = (state >> 8) & 0xff, hi = (state >> 16) & 0xff;
  bool seen_multibyte = false;
  while (p < end) {
    const uint8_t b = *p;
    if (need == 0) {
      if (b < 0x80) {
        // after a multibyte sequence, let the vector loop take the next ASCII run
        if (stop_at_ascii_boundary && seen_multibyte) break;
        ++p;
        continue;
      }
      seen_multibyte = true;
      ++p;
      if (b < 0xc2) return UTF8_INVALID;
      if (b < 0xe0) {
        need = 1; lo = 0x80; hi = 0xbf;
      } else if (b < 0xf0) {
        need = 2; lo = b == 0xe0 ? 0xa0 : 0x80; hi = b == 0xed ? 0x9f : 0xbf;
      } else if (b < 0xf5) {
        need = 3; lo = b == 0xf0 ? 0x90 : 0x80; hi = b == 0xf4 ? 0x8f : 0xbf;
      } else {
        return UTF8_INVALID;
      }
    } else {
      ++p;
      if (b < lo || b > hi) return UTF8_INVALID;
      --need;
      lo = 0x80;
      hi = 0xbf;
    }
  }
  return need == 0 ? 0 : (need | (lo << 8) | (hi << 16));
}

#ifdef QWS_X86
__attribute__((target("avx2"))) uint32_t step_avx2(uint32_t state, const uint8_t* buf, size_t len) {
  const uint8_t* p = buf;
  const uint8_t* end = buf + len;
  for (;;) {
    if (state == 0) {
      while (end - p >= 32) {
        __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        if (_mm256_movemask_epi8(v) != 0) break;
        p += 32;
      }
      while (end - p >= 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        if (_mm_movemask_epi8(v) != 0) break;
        p += 16;
      }
    }
    if (p == end) return state;
    state = run_scalar(state, p, end, true);
    if (state == UTF8_INVALID || p == end) return state;
  }
}

uint32_t step_sse2(uint32_t state, const uint8_t* buf, size_t len) {
  const uint8_t* p = buf;
  const uint8_t* end = buf + len;
  for (;;) {
    if (state == 0) {
      while (end - p >= 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        if (_mm_movemask_epi8(v) != 0) break;
        p += 16;
      }
    }
    if (p == end) return state;
    state = run_scalar(state, p, end, true);
    if (state == UTF8_INVALID || p == end) return state;
  }
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

// Portable path: ASCII skipped 8 bytes at a time.
[[maybe_unused]] uint32_t step_word(uint32_t state, const uint8_t* buf, size_t len) {
  const uint8_t* p = buf;
  const uint8_t* end = buf + len;
  for (;;) {
    if (state == 0) {
      while (end - p >= 8) {
        uint64_t w;
        __builtin_memcpy(&w, p, 8);
        if (w & 0x8080808080808080ull) break;
        p += 8;
      }
    }
    if (p == end) return state;
    state = run_scalar(state, p, end, true);
    if (state == UTF8_INVALID || p == end) return state;
  }
}

}  // namespace

uint32_t utf8_step_scalar(uint32_t state, const uint8_t* buf, size_t len) {
  const uint8_t* p = buf;
  return run_scalar(state, p, buf + len, false);
}

uint32_t utf8_step(uint32_t state, const uint8_t* buf, size_t len) {
  if (state == UTF8_INVALID) return UTF8_INVALID;
#ifdef QWS_X86
  if (len >= 32 && have_avx2()) return step_avx2(state, buf, len);
  return step_sse2(state, buf, len);
#else
  return step_word(state, buf, len);
#endif
}

const char* simd_name() {
#ifdef QWS_X86
  return have_avx2() ? "avx2" : "sse2";
#else
  return "scalar";
#endif
}

}  // namespace qws
