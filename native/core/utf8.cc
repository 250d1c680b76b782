// Incremental UTF-8 validation. The scalar state machine is the reference. Where the CPU has
// them, AVX-512BW, AVX2 and NEON validate whole 64-, 32- and 16-byte blocks with the nibble-lookup
// method (several ASCII blocks tested at once), leaving a character cut at the end and the tail to
// the scalar machine; SSE2 only skips ASCII 16 bytes at a time. Every path returns the same state or
// UTF8_INVALID (the fuzz target and the differential tests compare them with the scalar machine).
#include "utf8.h"

#include "constants.h"

#include <cstring>

#include "cpu.h"

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

#if defined(QWS_X86) || defined(QWS_NEON)
// Full vector validation of whole 32-byte blocks (the lookup method of Keiser & Lemire, "Validating
// UTF-8 In Less Than One Instruction Per Byte", 2021): three 16-entry nibble tables classify each
// byte pair; third/fourth-byte continuations are checked from the bytes 2 and 3 back. Each
// table entry is a set of error bits; a pair is bad when all three lookups share a bit.
namespace lookup {
constexpr uint8_t TOO_SHORT = 1 << 0;   // lead byte not followed by a continuation
constexpr uint8_t TOO_LONG = 1 << 1;    // ASCII followed by a continuation
constexpr uint8_t OVERLONG_3 = 1 << 2;  // E0 80..9F
constexpr uint8_t TOO_LARGE = 1 << 3;   // F4 90..BF, F5..FF
constexpr uint8_t SURROGATE = 1 << 4;   // ED A0..BF
constexpr uint8_t OVERLONG_2 = 1 << 5;  // C0..C1
constexpr uint8_t TOO_LARGE_1000 = 1 << 6;
constexpr uint8_t OVERLONG_4 = 1 << 6;  // F0 80..8F
constexpr uint8_t TWO_CONTS = 1 << 7;   // continuation after continuation (checked against must23)
constexpr uint8_t CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS;
// the three lookup tables (high nibble of the previous byte, its low nibble, high nibble of this one)
constexpr uint8_t t1h[16] = {TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
                             TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS, TOO_SHORT | OVERLONG_2, TOO_SHORT,
                             TOO_SHORT | OVERLONG_3 | SURROGATE, TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4};
constexpr uint8_t t1l[16] = {CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4, CARRY | OVERLONG_2, CARRY, CARRY,
                             CARRY | TOO_LARGE, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
                             CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
                             CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
                             CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
                             CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE, CARRY | TOO_LARGE | TOO_LARGE_1000,
                             CARRY | TOO_LARGE | TOO_LARGE_1000};
constexpr uint8_t t2h[16] = {TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
                             TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
                             TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
                             TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
                             TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT};
}  // namespace lookup

// Backs `i` up to the start of a character the last block may have cut (RFC 3629 lengths).
inline size_t char_start(const uint8_t* p, size_t i) {
  size_t b = i;
  for (size_t k = 1; k <= 3 && k <= b; k++) {
    const uint8_t c = p[b - k];
    if (c < 0x80) break;
    if (c >= 0xc0) {
      const size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      if (k < need) b -= k;
      break;
    }
  }
  return b;
}

// One step with whole vector blocks: the scalar machine finishes a character left open by the
// chunk before, `Blocks` validates whole blocks, the scalar machine takes the tail.
template <bool (*Blocks)(const uint8_t*, size_t, size_t*)>
uint32_t step_blocks(uint32_t state, const uint8_t* buf, size_t len) {
  const uint8_t* p = buf;
  const uint8_t* end = buf + len;
  if (state != 0) {
    state = run_scalar(state, p, end, true);
    if (state != 0) return state;  // invalid, or still open at the end
  }
  size_t done = 0;
  if (!Blocks(p, static_cast<size_t>(end - p), &done)) return UTF8_INVALID;
  p += done;
  return run_scalar(0, p, end, false);
}
#endif

#ifdef QWS_X86

QWS_TARGET("avx2") inline __m256i table(const uint8_t t[16]) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t));
  return _mm256_broadcastsi128_si256(x);
}

// [prev.hi | cur.lo, cur] shifted so byte i holds cur[i - n] (n = 1..3), across the lane boundary
template <int N>
QWS_TARGET("avx2") inline __m256i prev_bytes(__m256i cur, __m256i prev) {
  return _mm256_alignr_epi8(cur, _mm256_permute2x128_si256(prev, cur, 0x21), 16 - N);
}

// The lookup check of one block against the block before it: non-zero bytes mark errors.
QWS_TARGET("avx2") inline __m256i lookup_check(__m256i cur, __m256i before, __m256i T1H, __m256i T1L, __m256i T2H) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i p1 = prev_bytes<1>(cur, before);
  const __m256i sc = _mm256_and_si256(
      _mm256_and_si256(_mm256_shuffle_epi8(T1H, _mm256_and_si256(_mm256_srli_epi16(p1, 4), low4)),
                       _mm256_shuffle_epi8(T1L, _mm256_and_si256(p1, low4))),
      _mm256_shuffle_epi8(T2H, _mm256_and_si256(_mm256_srli_epi16(cur, 4), low4)));
  const __m256i must23 = _mm256_or_si256(_mm256_subs_epu8(prev_bytes<2>(cur, before), _mm256_set1_epi8(static_cast<char>(0xe0 - 0x80))),
                                         _mm256_subs_epu8(prev_bytes<3>(cur, before), _mm256_set1_epi8(static_cast<char>(0xf0 - 0x80))));
  return _mm256_xor_si256(_mm256_and_si256(must23, _mm256_set1_epi8(static_cast<char>(0x80))), sc);
}


// Validates whole 32-byte blocks from p while they fit; returns false on an error. `*done` is the
// number of bytes consumed, always a code-point boundary (a character cut by the last block is
// left for the scalar machine). The start is assumed to be at a boundary (state 0).
QWS_TARGET("avx2") bool blocks_avx2(const uint8_t* p, size_t len, size_t* done) {
  using namespace lookup;
  const __m256i T1H = table(t1h), T1L = table(t1l), T2H = table(t2h);
  __m256i prev = _mm256_setzero_si256();
  __m256i err = _mm256_setzero_si256();
  size_t i = 0;
  // 128 bytes per step: one ASCII test for four blocks (most text), else all four checked
  for (; i + 128 <= len; i += 128) {
    const __m256i c0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i c1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32));
    const __m256i c2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 64));
    const __m256i c3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 96));
    const __m256i any = _mm256_or_si256(_mm256_or_si256(c0, c1), _mm256_or_si256(c2, c3));
    if (_mm256_movemask_epi8(_mm256_or_si256(any, prev)) != 0) {
      const __m256i e01 = _mm256_or_si256(lookup_check(c0, prev, T1H, T1L, T2H), lookup_check(c1, c0, T1H, T1L, T2H));
      const __m256i e23 = _mm256_or_si256(lookup_check(c2, c1, T1H, T1L, T2H), lookup_check(c3, c2, T1H, T1L, T2H));
      err = _mm256_or_si256(err, _mm256_or_si256(e01, e23));
    }
    prev = c3;  // when skipped: all ASCII, and no sequence was open from the block before
  }
  for (; i + 32 <= len; i += 32) {
    const __m256i cur = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    if (_mm256_movemask_epi8(_mm256_or_si256(cur, prev)) != 0) err = _mm256_or_si256(err, lookup_check(cur, prev, T1H, T1L, T2H));
    prev = cur;
  }
  if (!_mm256_testz_si256(err, err)) return false;
  *done = char_start(p, i);
  return true;
}

// The same check on 64-byte blocks (AVX-512BW): _mm512_shuffle_epi8 looks up within 128-bit
// lanes like its AVX2 form, and the previous-bytes vector is built from lane-shifted qwords.
template <int N>
QWS_TARGET("avx512f,avx512bw") inline __m512i prev_bytes512(__m512i cur, __m512i prev) {
  // lanes [prev.3, cur.0, cur.1, cur.2]: lane j of the result takes its top N bytes from it
  const __m512i idx = _mm512_set_epi64(13, 12, 11, 10, 9, 8, 7, 6);
  return _mm512_alignr_epi8(cur, _mm512_permutex2var_epi64(prev, idx, cur), 16 - N);
}

QWS_TARGET("avx512f,avx512bw") inline __m512i table512(const uint8_t t[16]) {
  return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t)));
}

// The lookup check of one 64-byte block against the one before it: non-zero bytes mark errors.
QWS_TARGET("avx512f,avx512bw") inline __m512i lookup_check512(__m512i cur, __m512i before, __m512i T1H, __m512i T1L, __m512i T2H) {
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  const __m512i p1 = prev_bytes512<1>(cur, before);
  const __m512i sc = _mm512_and_si512(
      _mm512_and_si512(_mm512_shuffle_epi8(T1H, _mm512_and_si512(_mm512_srli_epi16(p1, 4), low4)),
                       _mm512_shuffle_epi8(T1L, _mm512_and_si512(p1, low4))),
      _mm512_shuffle_epi8(T2H, _mm512_and_si512(_mm512_srli_epi16(cur, 4), low4)));
  const __m512i must23 = _mm512_or_si512(_mm512_subs_epu8(prev_bytes512<2>(cur, before), _mm512_set1_epi8(static_cast<char>(0xe0 - 0x80))),
                                         _mm512_subs_epu8(prev_bytes512<3>(cur, before), _mm512_set1_epi8(static_cast<char>(0xf0 - 0x80))));
  return _mm512_xor_si512(_mm512_and_si512(must23, _mm512_set1_epi8(static_cast<char>(0x80))), sc);
}

QWS_TARGET("avx512f,avx512bw") bool blocks_avx512(const uint8_t* p, size_t len, size_t* done) {
  const __m512i T1H = table512(lookup::t1h), T1L = table512(lookup::t1l), T2H = table512(lookup::t2h);
  __m512i prev = _mm512_setzero_si512();
  __m512i err = _mm512_setzero_si512();
  size_t i = 0;
  // 128 bytes per step: one ASCII test for two blocks, else both checked
  for (; i + 128 <= len; i += 128) {
    const __m512i c0 = _mm512_loadu_si512(reinterpret_cast<const void*>(p + i));
    const __m512i c1 = _mm512_loadu_si512(reinterpret_cast<const void*>(p + i + 64));
    if (_mm512_movepi8_mask(_mm512_or_si512(_mm512_or_si512(c0, c1), prev)) != 0) {
      err = _mm512_or_si512(err, _mm512_or_si512(lookup_check512(c0, prev, T1H, T1L, T2H), lookup_check512(c1, c0, T1H, T1L, T2H)));
    }
    prev = c1;  // when skipped: all ASCII, and no sequence was open from the block before
  }
  for (; i + 64 <= len; i += 64) {
    const __m512i cur = _mm512_loadu_si512(reinterpret_cast<const void*>(p + i));
    if (_mm512_movepi8_mask(_mm512_or_si512(cur, prev)) != 0) err = _mm512_or_si512(err, lookup_check512(cur, prev, T1H, T1L, T2H));
    prev = cur;
  }
  if (_mm512_test_epi8_mask(err, err) != 0) return false;
  *done = char_start(p, i);
  return true;
}

QWS_TARGET("avx512f,avx512bw") uint32_t step_avx512(uint32_t state, const uint8_t* buf, size_t len) {
  const uint8_t* p = buf;
  const uint8_t* end = buf + len;
  if (state != 0) {
    state = run_scalar(state, p, end, true);
    if (state != 0) return state;
  }
  size_t done = 0;
  if (!blocks_avx512(p, static_cast<size_t>(end - p), &done)) return UTF8_INVALID;
  p += done;
  // fewer than 64 (+3) bytes left: 32-byte blocks, then the scalar machine
  if (end - p >= 32) {
    size_t more = 0;
    if (!blocks_avx2(p, static_cast<size_t>(end - p), &more)) return UTF8_INVALID;
    p += more;
  }
  return run_scalar(0, p, end, false);
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

#endif

#ifdef QWS_NEON
// The lookup check of one 16-byte block against the one before it: non-zero bytes mark errors.
inline uint8x16_t lookup_check_neon(uint8x16_t cur, uint8x16_t before, uint8x16_t T1H, uint8x16_t T1L, uint8x16_t T2H) {
  const uint8x16_t low4 = vdupq_n_u8(0x0f);
  const uint8x16_t p1 = vextq_u8(before, cur, 15);
  const uint8x16_t sc = vandq_u8(vandq_u8(vqtbl1q_u8(T1H, vshrq_n_u8(p1, 4)), vqtbl1q_u8(T1L, vandq_u8(p1, low4))),
                                 vqtbl1q_u8(T2H, vshrq_n_u8(cur, 4)));
  const uint8x16_t must23 = vorrq_u8(vqsubq_u8(vextq_u8(before, cur, 14), vdupq_n_u8(0xe0 - 0x80)),
                                     vqsubq_u8(vextq_u8(before, cur, 13), vdupq_n_u8(0xf0 - 0x80)));
  return veorq_u8(vandq_u8(must23, vdupq_n_u8(0x80)), sc);
}

// Validates whole 16-byte blocks from p (64 bytes per step with one ASCII test for four blocks);
// same contract as blocks_avx2.
bool blocks_neon(const uint8_t* p, size_t len, size_t* done) {
  const uint8x16_t T1H = vld1q_u8(lookup::t1h), T1L = vld1q_u8(lookup::t1l), T2H = vld1q_u8(lookup::t2h);
  uint8x16_t prev = vdupq_n_u8(0);
  uint8x16_t err = vdupq_n_u8(0);
  size_t i = 0;
  for (; i + 64 <= len; i += 64) {
    const uint8x16x4_t c = vld1q_u8_x4(p + i);
    const uint8x16_t any = vorrq_u8(vorrq_u8(c.val[0], c.val[1]), vorrq_u8(c.val[2], c.val[3]));
    if (vmaxvq_u8(vorrq_u8(any, prev)) >= 0x80) {
      const uint8x16_t e01 = vorrq_u8(lookup_check_neon(c.val[0], prev, T1H, T1L, T2H), lookup_check_neon(c.val[1], c.val[0], T1H, T1L, T2H));
      const uint8x16_t e23 = vorrq_u8(lookup_check_neon(c.val[2], c.val[1], T1H, T1L, T2H), lookup_check_neon(c.val[3], c.val[2], T1H, T1L, T2H));
      err = vorrq_u8(err, vorrq_u8(e01, e23));
    }
    prev = c.val[3];  // when skipped: all ASCII, and no sequence was open from the block before
  }
  for (; i + 16 <= len; i += 16) {
    const uint8x16_t cur = vld1q_u8(p + i);
    if (vmaxvq_u8(vorrq_u8(cur, prev)) >= 0x80) err = vorrq_u8(err, lookup_check_neon(cur, prev, T1H, T1L, T2H));
    prev = cur;
  }
  if (vmaxvq_u8(err) != 0) return false;
  *done = char_start(p, i);
  return true;
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
        std::memcpy(&w, p, 8);
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
  if (len >= 64 && cpu::avx512bw()) return step_avx512(state, buf, len);
  if (len >= 32 && cpu::avx2()) return step_blocks<blocks_avx2>(state, buf, len);
  return step_sse2(state, buf, len);
#elif defined(QWS_NEON)
  if (len >= 16) return step_blocks<blocks_neon>(state, buf, len);
  return step_word(state, buf, len);
#else
  return step_word(state, buf, len);
#endif
}

const char* simd_name() {
#ifdef QWS_X86
  return cpu::avx512bw() ? "avx512" : cpu::avx2() ? "avx2" : "sse2";
#elif defined(QWS_NEON)
  return "neon";
#else
  return "scalar";
#endif
}

}  // namespace qws
